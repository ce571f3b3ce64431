"""The bundled demo district (召陵区, made up in detail) and the sandbox's demo accounts."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

# Sandbox user id → phone of the staff member it logs in as (None: a resident, 张阿姨).
DEMO_ACCOUNTS: dict[int, str | None] = {
    10001: None,            # 张阿姨, resident
    20001: "13800000001",   # 李伟, worker of 纺织路社区第一网格 (人民东路62号院)
    20002: "13800000002",   # 赵敏, worker of 纺织路社区第二网格
    30001: "13800000003",   # 王主任, supervisor of 纺织路社区
    30002: "13800000004",   # 刘书记, supervisor of 天桥街道
    30003: "13800000005",   # 周局长, supervisor of 召陵区
    40001: "13900000001",   # 陈科长, handler of 区水务局
}


def demo_org_path() -> Path:
    """Path of the bundled zhaoling.yaml (its roster staff.csv lies beside it)."""
    return Path(str(resources.files("bot.demo") / "zhaoling.yaml"))


# The sandbox's chat users for the demo; staff are bound at start, so their chats count as started.
DEMO_USERS: list[dict] = [
    {"id": 10001, "first_name": "张阿姨", "username": "zhang_ayi", "role": "居民", "started": False},
    {"id": 20001, "first_name": "李伟", "username": "li_wei_grid", "role": "网格员", "started": True},
    {"id": 30001, "first_name": "王主任", "username": "wang_zhuren", "role": "督办（社区）", "started": True},
    {"id": 20002, "first_name": "赵敏", "username": "zhao_min_grid", "role": "网格员", "started": True},
    {"id": 30002, "first_name": "刘书记", "username": "liu_shuji", "role": "督办（街道）", "started": True},
    {"id": 30003, "first_name": "周局长", "username": "zhou_juzhang", "role": "督办（区）", "started": True},
    {"id": 40001, "first_name": "陈科长", "username": "chen_kezhang", "role": "部门（水务）", "started": True},
]

"""Grid workers, departments and supervisors work tickets in chat, through the sandbox over HTTP."""
from __future__ import annotations

from conftest import DISTRICT, RESIDENT, STREET, SUPERVISOR, WATER, WORKER, WORKER2
import flows
from flows import act, answer_of, history, report, ticket_state

ENGINES = ("sqlite", "postgres")      # conftest: these tests run on both engines


async def test_sign_note_resolve_rate_satisfied_closes(gridbot):
    resident, worker = gridbot.user(RESIDENT), gridbot.user(WORKER)
    number = await report(resident)
    await act(worker, number, "签收", expect="办理中")
    await resident.wait_for("已由网格员 李* 签收")
    await act(worker, number, "进展", reply="已联系排水公司，明天上午疏通", expect="已记录进展")
    assert "明天上午疏通" in (await resident.wait_for("新进展")).text
    await _resolve(worker, number, "管道已疏通，积水已排干")
    rating = await resident.wait_for("已办结")
    assert "管道已疏通" in rating.text
    await resident.press(rating, "满意")
    await resident.wait_for("感谢您的评价")
    await worker.wait_for("满意")
    ticket = await ticket_state(gridbot.deps, number)
    assert ticket["state"] == "closed" and ticket["rating"] == "satisfied"
    assert await history(gridbot.deps, number) == ["submit", "accept", "note", "resolve", "rate_satisfied"]


async def _resolve(worker, number: str, result: str) -> None:
    await act(worker, number, "办结", reply=result, expect="已办结")


async def test_return_reassign_resolve_unsatisfied_reopens(gridbot):
    resident, li, zhao, wang = (gridbot.user(u) for u in (RESIDENT, WORKER, WORKER2, SUPERVISOR))
    number = await report(resident)
    await act(li, number, "退回", reply="不属于本网格，是第二网格的", expect="已退回")
    queue = await act(wang, "退回待派单", "派单/交办")
    assert "不属于本网格" in queue.text
    targets = await wang.wait_for("请选择派往")
    await wang.press(targets, "纺织路社区第二网格")
    await wang.wait_for("已派往 纺织路社区第二网格")
    await act(zhao, number, "签收", expect="办理中")
    await _resolve(zhao, number, "已清理雨水篦子")
    rating = await resident.wait_for("已办结")
    await resident.press(rating, "不满意")
    await resident.wait_for("已为您重新交办")
    reopened = await zhao.wait_for("不满意")
    assert "重新交办" in reopened.text
    ticket = await ticket_state(gridbot.deps, number)
    assert ticket["state"] == "accepted" and ticket["reopen_count"] == 1
    await _resolve(zhao, number, "加装了排水管，已验收")
    assert (await ticket_state(gridbot.deps, number))["state"] == "resolved"
    assert await history(gridbot.deps, number) == [
        "submit", "return", "dispatch", "accept", "resolve", "rate_unsatisfied", "resolve"]


async def test_escalate_to_street_then_department_resolves(gridbot):
    resident, li, wang, liu, chen = (gridbot.user(u) for u in (RESIDENT, WORKER, SUPERVISOR, STREET, WATER))
    number = await report(resident)
    await act(li, number, "签收", expect="办理中")
    await act(li, number, "上报", reply="主管网老化，需要水务部门改造", expect="已上报")
    await act(wang, "上报待处理", "上报", reply="社区无力解决，请街道协调", expect="已上报")
    await act(liu, "上报待处理", "派单/交办")
    targets = await liu.wait_for("请选择派往")
    await liu.press(targets, "🏢 区水务局")
    await liu.wait_for("已派往 区水务局")
    await resident.wait_for("已交由 区水务局 办理")
    await act(chen, number, "签收", expect="办理中")
    await resident.wait_for("已由部门办理人")          # the role word is right (not 网格员)
    await _resolve(chen, number, "已更换主管道")
    assert "已更换主管道" in (await resident.wait_for("已办结")).text
    assert await history(gridbot.deps, number) == [
        "submit", "accept", "escalate", "escalate", "dispatch", "accept", "resolve"]


async def test_extension_requested_and_approved(gridbot):
    resident, li, wang = (gridbot.user(u) for u in (RESIDENT, WORKER, SUPERVISOR))
    number = await report(resident)
    await act(li, number, "签收", expect="办理中")
    before = (await ticket_state(gridbot.deps, number))["resolve_due"]
    await act(li, number, "延期", reply="2027-01-15 需要等施工队进场", expect="已提交延期申请")
    request = await flows.newest(wang, "延期申请", "批准延期")
    assert "施工队" in request.text
    assert (await ticket_state(gridbot.deps, number))["resolve_due"] == before   # moves only when approved
    await wang.press(request, "批准延期")
    await wang.wait_for("已批准")
    await li.wait_for("延期申请已批准")
    await resident.wait_for("办结时限已延长")
    after = (await ticket_state(gridbot.deps, number))["resolve_due"]
    assert after > before and after.startswith("2027-01-15")


async def test_merge_duplicate_resident_follows_original(gridbot):
    resident, neighbour_id, li = gridbot.user(RESIDENT), 10002, gridbot.user(WORKER)
    await gridbot.control.add_user(neighbour_id, "钱大爷")
    neighbour = gridbot.user(neighbour_id)
    original = await report(resident)
    duplicate = await report(neighbour, "人民东路62号院门口下雨积水，污水倒灌")
    district = gridbot.user(DISTRICT)
    await district.send(f"/merge {duplicate} {original}")
    await district.wait_for("已将")
    await neighbour.wait_for(f"已有工单 {original}")
    await act(li, original, "签收", expect="办理中")
    assert "签收" in (await neighbour.wait_for(original)).text      # the duplicate's resident follows
    assert (await ticket_state(gridbot.deps, duplicate))["state"] == "merged"


async def test_refusals_change_nothing(gridbot):
    resident, li, zhao = gridbot.user(RESIDENT), gridbot.user(WORKER), gridbot.user(WORKER2)
    number = await report(resident)
    offer = await li.wait_for(number)
    ticket_id = offer.buttons[0][1].split(":")[2]
    before = await ticket_state(gridbot.deps, number)

    # a resident pressing a worker's button (forged data on their own message)
    mine = (await resident.bot_messages())[-1]
    answer = await answer_of(gridbot.control, await resident.forge_press(mine, f"t:acc:{ticket_id}"))
    assert "无权" in answer["answer"]["text"]
    # a worker of another grid is answered as for a ticket that does not exist (no existence leak)
    any_message = await _any(zhao)
    answer = await answer_of(gridbot.control, await zhao.forge_press(any_message, f"t:acc:{ticket_id}"))
    missing = await answer_of(gridbot.control, await zhao.forge_press(any_message, "t:acc:987654"))
    assert answer["answer"]["text"] == missing["answer"]["text"] and "没有找到" in missing["answer"]["text"]
    # garbage callback data: a polite answer, never the internal error
    for data in ("t:acc:not-a-number", "t:to:1:abc", "t:acc:" + "9" * 40):
        answer = await answer_of(gridbot.control, await li.forge_press(offer, data))
        assert "按钮已失效" in answer["answer"]["text"]
    assert await ticket_state(gridbot.deps, number) == before

    # a used bind code
    async with gridbot.deps.db.read() as tx:
        used = await tx.scalar("SELECT bind_code FROM staff WHERE chat_id IS NULL AND bind_code IS NOT NULL LIMIT 1")
    stranger_a, stranger_b = 50001, 50002
    await gridbot.control.add_user(stranger_a, "新网格员")
    await gridbot.control.add_user(stranger_b, "冒用者")
    await gridbot.user(stranger_a).send(f"/start {used}")
    await gridbot.user(stranger_a).wait_for("您已绑定")
    await gridbot.user(stranger_b).send(f"/bind {used}")
    await gridbot.user(stranger_b).wait_for("绑定码无效")
    async with gridbot.deps.db.read() as tx:
        assert await tx.scalar("SELECT count(*) FROM staff WHERE chat_id = :c", {"c": stranger_b}) == 0


async def _any(user):
    await user.send("/help")
    return await user.wait_for("命令")


async def test_photos_reach_the_worker_and_the_result_photo_the_resident(gridbot):
    resident, li = gridbot.user(RESIDENT), gridbot.user(WORKER)
    await resident.send_photo(caption="人民东路62号院门口垃圾堆成山，好几天没人清")
    draft = await resident.wait_for("请确认")
    await resident.press(draft, "✅ 提交")
    await resident.wait_for("已受理")
    offer = await li.wait_for("新工单")
    assert offer.photo and offer.button("签收")
    await li.press(offer, "签收")
    await flows.newest(li, "GD", "办结")
    await act(li, "GD", "办结")
    await li.wait_for("请输入办理结果")
    await li.send_photo(caption="已清运完毕，现场照片见图")
    await li.wait_for("已办结")
    rating = await resident.wait_for("已办结")
    assert rating.photo and rating.button("满意") and "已清运完毕" in rating.text


async def test_asking_the_resident_pauses_until_they_answer(gridbot):
    resident, li = gridbot.user(RESIDENT), gridbot.user(WORKER)
    number = await report(resident)
    await act(li, number, "签收", expect="办理中")
    await act(li, number, "询问居民（暂停计时）", reply="积水大概多深？", expect="计时已暂停")
    question = await resident.wait_for("想向您了解")
    assert "积水大概多深" in question.text
    assert (await ticket_state(gridbot.deps, number))["paused_at"] is not None
    await resident.send("到小腿了，车都开不出去")
    await resident.wait_for("已把您的回复转给办理人员")
    relayed = await li.wait_for("居民回复了")
    assert "到小腿了" in relayed.text and relayed.button("办结")
    assert (await ticket_state(gridbot.deps, number))["paused_at"] is None
    assert await history(gridbot.deps, number) == ["submit", "accept", "ask_resident", "resident_reply"]


async def test_district_supervisor_sees_every_grid_and_department(gridbot):
    number = await report(gridbot.user(RESIDENT))
    district = gridbot.user(DISTRICT)
    await district.send(f"/status {number}")
    detail = await district.wait_for(lambda m: m.text.startswith(f"工单 {number}"))
    async with gridbot.deps.db.read() as tx:
        units = await tx.scalar("SELECT count(*) FROM units WHERE kind IN ('grid', 'department')")
    await district.press(detail, "派单/交办")
    targets = await district.wait_for("请选择派往")
    # every grid and department but the one it waits at, then 返回; drainage → water first, marked
    assert len(targets.buttons) == units and targets.buttons[0][0] == "⭐ 🏢 区水务局"
    assert targets.buttons[-1][0] == "返回" and number in targets.text

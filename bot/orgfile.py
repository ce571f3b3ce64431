"""Reading org files (YAML/TOML) and staff rosters (CSV/XLSX) into plain records. No database.

A file that cannot be used is refused whole with `OrgFileError`, whose message names the file,
the line (YAML node line, TOML best effort, CSV/XLSX row number) and the reason.
The shape of an org file is documented at the top of bot/demo/zhaoling.yaml.
"""
from __future__ import annotations

import csv
import io
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

KINDS = ("district", "street", "community", "grid", "department")
AREAS = ("urban", "rural")
ROLES = ("worker", "handler", "supervisor", "admin")
# Which unit kinds each role may belong to.
ROLE_KINDS = {
    "worker": ("grid",),
    "handler": ("department",),
    "supervisor": ("district", "street", "community"),
    "admin": KINDS,
}
# Roles as spreadsheets write them: exact words first, then words contained in the title.
_ROLE_WORDS = {
    "网格员": "worker", "网格长": "worker", "专职网格员": "worker", "兼职网格员": "worker",
    "督办": "supervisor", "主任": "supervisor", "书记": "supervisor", "站长": "supervisor",
    "部门": "handler", "办理人": "handler", "管理员": "admin",
}
_CODE = re.compile(r"[a-z0-9][a-z0-9_\-]*")
_PHONE = re.compile(r"1[3-9]\d{9}")


class OrgFileError(ValueError):
    """An org file or roster cannot be used; the message says where and why."""

    def __init__(self, source: str | Path, line: int | None, reason: str):
        self.source, self.line, self.reason = str(source), line, reason
        where = f"{self.source}, line {line}" if line else self.source
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent_code: str | None
    area: str = "urban"
    aliases: tuple[str, ...] = ()
    boundary: tuple[tuple[float, float], ...] | None = None
    categories: tuple[str, ...] = ()        # departments: categories they own (route to them)
    shares: tuple[str, ...] = ()            # departments: categories they help with
    line: int | None = None


@dataclass(frozen=True)
class OrgTree:
    source: Path
    units: tuple[UnitSpec, ...]             # parents before children
    roster: Path | None = None              # resolved relative to the org file

    def by_code(self) -> dict[str, UnitSpec]:
        return {u.code: u for u in self.units}


@dataclass(frozen=True)
class StaffRow:
    name: str
    phone: str
    role: str
    unit: str                               # a unit code or exact name, as written
    line: int


# --- YAML with line numbers ---------------------------------------------------------------

class _LineDict(dict):
    line: int | None = None
    lines: dict


class _LineList(list):
    line: int | None = None
    lines: list


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    result = _LineDict()
    result.line, result.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            raise OrgFileError(loader.name, key_node.start_mark.line + 1, "a key must be plain text")
        if key in result:
            raise OrgFileError(loader.name, key_node.start_mark.line + 1, f"key {key!r} given twice")
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = value_node.start_mark.line + 1
    return result


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> _LineList:
    result = _LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def _read_yaml(path: Path, text: str) -> Any:
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise OrgFileError(path, mark.line + 1 if mark else None, f"not valid YAML: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise OrgFileError(path, None, f"not valid YAML: {exc}") from exc
    finally:
        loader.dispose()


def _read_toml(path: Path, text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise OrgFileError(path, int(match.group(1)) if match else None, f"not valid TOML: {exc}") from exc


# --- the org tree --------------------------------------------------------------------------

class _Walker:
    """Turns the nested mapping into UnitSpecs, checking as it goes."""

    def __init__(self, path: Path, text: str):
        self.path, self.text = path, text
        self.units: list[UnitSpec] = []
        self.codes: set[str] = set()
        self.words: dict[str, str] = {}        # alias or name → unit code
        self.owners: dict[str, str] = {}       # category → owning department code

    def line(self, node: Any, key: Any = None, value: Any = None) -> int | None:
        lines = getattr(node, "lines", None)
        if isinstance(lines, dict) and key in lines:
            return lines[key]
        if isinstance(lines, list) and isinstance(key, int) and key < len(lines):
            return lines[key]
        if getattr(node, "line", None):
            return node.line
        if value is not None:                  # TOML keeps no marks: find the text
            needle = f'"{value}"'
            for number, text_line in enumerate(self.text.splitlines(), 1):
                if needle in text_line:
                    return number
        return None

    def fail(self, node: Any, reason: str, key: Any = None, value: Any = None) -> None:
        raise OrgFileError(self.path, self.line(node, key, value), reason)

    def text_field(self, node: dict, key: str, what: str, required: bool = True) -> str:
        value = node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(node, f"{what} has no {key}", value=node.get("code"))
            return ""
        if isinstance(value, (dict, list, bool)):
            self.fail(node, f"{what}: {key} must be text", key)
        return str(value).strip()

    def unit(self, node: Any, kind: str, parent: UnitSpec | None, children: Iterable[str] = ()) -> UnitSpec:
        if not isinstance(node, dict):
            self.fail(node, f"expected a {kind} (a mapping with code and name)")
        known = {"code", "name", "area", "aliases", "boundary", "categories", "shares", *children}
        for key in node:
            if key not in known:
                self.fail(node, f"unknown key {key!r} in {kind}", key)
        code = self.text_field(node, "code", kind)
        if not _CODE.fullmatch(code):
            self.fail(node, f"bad code {code!r}: use lowercase letters, digits, '-' and '_'", "code")
        if code in self.codes:
            self.fail(node, f"duplicate code {code!r}", "code")
        self.codes.add(code)
        name = self.text_field(node, "name", f"{kind} {code}")
        area = str(node.get("area") or (parent.area if parent and parent.kind != "district" else "urban"))
        if area not in AREAS:
            self.fail(node, f"unknown area {area!r} (urban or rural)", "area")
        aliases = self.aliases(node, code, name)
        boundary = self.boundary(node) if "boundary" in node else None
        categories = self.categories(node, "categories", code) if kind == "department" else ()
        shares = self.categories(node, "shares", None) if kind == "department" else ()
        if kind != "department" and ("categories" in node or "shares" in node):
            self.fail(node, f"only departments own categories ({kind} {code})", "categories")
        spec = UnitSpec(code, name, kind, parent.code if parent else None, area, aliases, boundary,
                        categories, shares, getattr(node, "line", None) or self.line(node, value=code))
        self.units.append(spec)
        return spec

    def claim(self, node: Any, word: str, code: str, key: Any, where: Any = None) -> None:
        owner = self.words.get(word)
        if owner is not None and owner != code:
            self.fail(where if where is not None else node, f"duplicate alias {word!r} (already {owner})", key, word)
        self.words[word] = code

    def aliases(self, node: dict, code: str, name: str) -> tuple[str, ...]:
        self.claim(node, name, code, "name")
        raw = node.get("aliases") or []
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list):
            self.fail(node, "aliases must be a list of text", "aliases")
        found: list[str] = []
        for index, item in enumerate(raw):
            word = str(item).strip() if isinstance(item, (str, int)) else ""
            if not word:
                self.fail(raw, f"empty or non-text alias in {code}", index)
            self.claim(node, word, code, index, raw)
            if word != name and word not in found:
                found.append(word)
        return tuple(found)

    def boundary(self, node: dict) -> tuple[tuple[float, float], ...]:
        raw = node["boundary"]
        if not isinstance(raw, list) or len(raw) < 3:
            self.fail(node, "bad polygon: boundary needs at least 3 [lon, lat] points", "boundary")
        points = []
        for index, point in enumerate(raw):
            ok = (isinstance(point, list) and len(point) == 2
                  and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in point))
            if not ok or not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
                self.fail(raw if isinstance(raw, _LineList) else node, f"bad polygon: point {index + 1} is not [lon, lat]",
                          index if isinstance(raw, _LineList) else "boundary")
            points.append((float(point[0]), float(point[1])))
        if len(set(points)) < 3:
            self.fail(node, "bad polygon: fewer than 3 distinct points", "boundary")
        return tuple(points)

    def categories(self, node: dict, key: str, owner: str | None) -> tuple[str, ...]:
        raw = node.get(key) or []
        if not isinstance(raw, list) or not all(isinstance(c, str) and _CODE.fullmatch(c) for c in raw):
            self.fail(node, f"{key} must be a list of category codes", key)
        if owner:
            for category in raw:
                if category in self.owners:
                    self.fail(node, f"category {category!r} already owned by {self.owners[category]}", key)
                self.owners[category] = owner
        return tuple(dict.fromkeys(raw))

    def children(self, node: dict, key: str) -> list:
        raw = node.get(key) or []
        if not isinstance(raw, list):
            self.fail(node, f"{key} must be a list", key)
        return raw

    def walk(self, root: Any) -> tuple[str | None, list[UnitSpec]]:
        if not isinstance(root, dict) or not isinstance(root.get("district"), dict):
            self.fail(root, "an org file needs a top-level 'district' mapping")
        for key in root:
            if key not in ("district", "roster"):
                self.fail(root, f"unknown top-level key {key!r}", key)
        node = root["district"]
        district = self.unit(node, "district", None, ("departments", "streets"))
        for dept in self.children(node, "departments"):
            self.unit(dept, "department", district)
        for street_node in self.children(node, "streets"):
            street = self.unit(street_node, "street", district, ("communities",))
            for community_node in self.children(street_node, "communities"):
                community = self.unit(community_node, "community", street, ("grids",))
                for grid_node in self.children(community_node, "grids"):
                    self.unit(grid_node, "grid", community)
        roster = root.get("roster")
        if roster is not None and not isinstance(roster, str):
            self.fail(root, "roster must be a file name", "roster")
        return roster, self.units


def load_org(path: str | Path) -> OrgTree:
    """Read a YAML (.yaml/.yml) or TOML (.toml) org file; refuse it whole if anything is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OrgFileError(path, None, f"cannot read: {exc}") from exc
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        root = _read_yaml(path, text)
    elif suffix == ".toml":
        root = _read_toml(path, text)
    else:
        raise OrgFileError(path, None, "an org file must be .yaml, .yml or .toml")
    roster, units = _Walker(path, text).walk(root)
    return OrgTree(path, tuple(units), (path.parent / roster) if roster else None)


# --- the staff roster ----------------------------------------------------------------------

@dataclass(frozen=True)
class RowProblem:
    """One bad roster row: its line and the reason, in Chinese (for the administrator)."""
    line: int | None
    reason: str
    fields: tuple | None = field(default=None, compare=False, repr=False)   # (name, role, unit) as read


class RosterError(OrgFileError):
    """A roster with bad rows: every problem found in one pass, each with its line."""

    def __init__(self, source: str | Path, problems: list[RowProblem]):
        self.problems = list(problems)
        lines = "\n".join(f"  第 {p.line} 行：{p.reason}" if p.line else f"  {p.reason}" for p in self.problems)
        super().__init__(source, self.problems[0].line if len(self.problems) == 1 else None,
                         f"名册有 {len(self.problems)} 处错误，未导入：\n{lines}")


def accepted_roles() -> str:
    """The role words a roster may use, for error messages."""
    return "、".join(dict.fromkeys(_ROLE_WORDS)) + "（或 " + "/".join(ROLES) + "）"


def parse_role(text: str) -> str | None:
    """The role code for a role as written (English code or Chinese title), or None."""
    word = text.strip()
    if word.lower() in ROLES:
        return word.lower()
    if word in _ROLE_WORDS:
        return _ROLE_WORDS[word]
    for title, role in _ROLE_WORDS.items():
        if title in word:
            return role
    return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# What Excel writes: UTF-8 (with BOM, "CSV UTF-8"), or the ANSI code page, GBK on Chinese Windows.
# GB18030 is a superset of GBK and GB2312, so one decoder reads all three.
_CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def _rows_csv(path: Path) -> Iterable[tuple[int, list[str]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OrgFileError(path, None, f"无法读取文件：{exc.strerror or exc}") from exc
    for encoding in _CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise OrgFileError(path, None, "无法识别文件编码（应为 UTF-8 或 GBK/GB18030 的 CSV）")
    reader = csv.reader(io.StringIO(text, newline=""))
    for row in reader:
        yield reader.line_num, [_cell(c) for c in row]


def _rows_xlsx(path: Path) -> Iterable[tuple[int, list[str]]]:
    try:
        import openpyxl
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad workbook
        raise OrgFileError(path, None, f"无法读取工作簿：{exc}") from exc
    try:
        for number, row in enumerate(book.worksheets[0].iter_rows(values_only=True), 1):
            yield number, [_cell(c) for c in row]
    finally:
        book.close()


# Column headers as districts write them; English ones are matched case-insensitively.
HEADERS = {
    "name": ("姓名", "名字", "name"),
    "phone": ("手机", "手机号", "手机号码", "联系电话", "电话", "phone"),
    "role": ("角色", "职务", "岗位", "role"),
    "unit": ("单位", "所属单位", "所属网格", "网格", "unit"),
}
_HEADER_OF = {word: key for key, words in HEADERS.items() for word in words}
_COLUMN_NAMES = {"name": "姓名", "phone": "手机", "role": "角色", "unit": "单位"}


def _header_key(cell: str) -> str | None:
    word = cell.strip().replace(" ", "")
    return _HEADER_OF.get(word.lower() if word.isascii() else word)


def read_roster(path: str | Path) -> tuple[list[StaffRow], list[RowProblem]]:
    """Read a staff roster (CSV in UTF-8 or GBK, or XLSX): the good rows and every bad row's problem.

    A roster that cannot be read at all (no header, unreadable file) raises OrgFileError."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _rows_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _rows_xlsx(path)
    else:
        raise OrgFileError(path, None, "名册应为 .csv 或 .xlsx 文件")
    columns: dict[str, int] | None = None
    found: list[StaffRow] = []
    problems: list[RowProblem] = []
    phones: dict[str, int] = {}
    for line, cells in rows:
        if not any(cells):
            continue
        if columns is None:
            columns = {}
            for i, c in enumerate(cells):
                key = _header_key(c)
                if key is not None and key not in columns:
                    columns[key] = i
            missing = [c for c in HEADERS if c not in columns]
            if missing:
                wanted = "；".join(f"{_COLUMN_NAMES[k]}：{'/'.join(HEADERS[k])}" for k in missing)
                raise RosterError(path, [RowProblem(line, f"表头缺少列 {'、'.join(_COLUMN_NAMES[k] for k in missing)}"
                                                          f"（可用的表头：{wanted}）")])
            continue
        get = lambda key: cells[columns[key]] if columns[key] < len(cells) else ""  # noqa: E731
        name, phone, role_text, unit = get("name"), get("phone").replace(" ", "").replace("-", ""), get("role"), get("unit")
        reasons = []
        if not name:
            reasons.append("缺少姓名")
        who = name or "（无名）"
        if not _PHONE.fullmatch(phone):
            reasons.append(f"{who} 的手机号 {phone!r} 不对（应为 11 位数字，以 1 开头）" if phone else f"{who} 缺少手机号")
        elif phone in phones:
            reasons.append(f"手机号 {phone} 与第 {phones[phone]} 行重复")
        else:
            phones[phone] = line
        role = parse_role(role_text)
        if role is None:
            reasons.append(f"{who} 的角色 {role_text!r} 无法识别（可用：{accepted_roles()}）" if role_text
                           else f"{who} 缺少角色（可用：{accepted_roles()}）")
        if not unit:
            reasons.append(f"{who} 缺少单位")
        if reasons:
            problems.append(RowProblem(line, "；".join(reasons), (name, role, unit)))
        else:
            found.append(StaffRow(name, phone, role, unit, line))
    if columns is None:
        raise OrgFileError(path, None, "名册是空的：没有表头行")
    return found, problems


def load_roster(path: str | Path) -> list[StaffRow]:
    """The roster's rows; RosterError listing every bad row if there is any."""
    rows, problems = read_roster(path)
    if problems:
        raise RosterError(path, problems)
    return rows


def nearest_unit_names(text: str, names: Iterable[str], n: int = 3) -> list[str]:
    """Unit names that look like `text` (a typo, a missing 社区), best first."""
    import difflib
    names = list(dict.fromkeys(names))
    close = difflib.get_close_matches(text, names, n=n, cutoff=0.5)
    if not close:
        close = [name for name in names if text and (text in name or name in text)][:n]
    return close


_KIND_NAMES = {"district": "区", "street": "街道/镇", "community": "社区/村", "grid": "网格", "department": "部门"}
_ROLE_NAMES = {"worker": "网格员", "handler": "部门办理人", "supervisor": "督办", "admin": "管理员"}


def _unit_of(name: str, role: str | None, unit: str, units: dict[str, tuple[str, str]],
             by_name: dict[str, list[str]]) -> tuple[str | None, str]:
    """(unit code, "") or (None, the reason in Chinese) for a row's unit as written."""
    who = name or "（无名）"
    if unit in units:
        code = unit
    elif len(by_name.get(unit, ())) == 1:
        code = by_name[unit][0]
    elif unit in by_name:
        return None, f"{who} 的单位名 {unit!r} 有重名，请写单位代码（{'、'.join(by_name[unit])}）"
    else:
        wanted = [n for n, kind in units.values() if role is None or kind in ROLE_KINDS[role]]
        near = nearest_unit_names(unit, wanted or [n for n, _k in units.values()])
        hint = f"，是不是：{'、'.join(near)}？" if near else ""
        return None, f"{who} 的单位 {unit!r} 不存在{hint}"
    kind = units[code][1]
    if role is not None and kind not in ROLE_KINDS[role]:
        allowed = "、".join(_KIND_NAMES[k] for k in ROLE_KINDS[role])
        return None, f"{who}：{_ROLE_NAMES[role]}不能属于{_KIND_NAMES[kind]}（{unit}），应属于{allowed}"
    return code, ""


def _by_name(units: dict[str, tuple[str, str]]) -> dict[str, list[str]]:
    by_name: dict[str, list[str]] = {}
    for code, (name, _kind) in units.items():
        by_name.setdefault(name, []).append(code)
    return by_name


def match_roster(rows: list[StaffRow], units: dict[str, tuple[str, str]]) -> tuple[list[tuple[StaffRow, str]], list[RowProblem]]:
    """Pair each row with its unit code. `units`: code → (name, kind). Unknown, ambiguous or wrong-kind
    units are problems (with the nearest unit names suggested)."""
    by_name = _by_name(units)
    resolved, problems = [], []
    for row in rows:
        code, reason = _unit_of(row.name, row.role, row.unit, units, by_name)
        if code is None:
            problems.append(RowProblem(row.line, reason))
        else:
            resolved.append((row, code))
    return resolved, problems


def check_roster(path: str | Path, units: dict[str, tuple[str, str]]) -> tuple[list[tuple[StaffRow, str]], list[RowProblem]]:
    """Read a roster and look up every row's unit: (good rows with their unit code, every bad row's
    problem: all its reasons on one line, the unit's included even when the row has other faults)."""
    rows, problems = read_roster(path)
    by_name = _by_name(units)
    merged = {p.line: p for p in problems}
    for p in problems:
        if p.fields and p.fields[2]:
            name, role, unit = p.fields
            code, reason = _unit_of(name, role, unit, units, by_name)
            if code is None:
                merged[p.line] = RowProblem(p.line, p.reason + "；" + reason)
    resolved, unit_problems = match_roster(rows, units)
    for p in unit_problems:
        merged[p.line] = p
    return resolved, sorted(merged.values(), key=lambda p: p.line or 0)


def resolve_roster(path: str | Path, rows: list[StaffRow], units: dict[str, tuple[str, str]]) -> list[tuple[StaffRow, str]]:
    """Pair each row with its unit code; RosterError listing every row whose unit is wrong."""
    resolved, problems = match_roster(rows, units)
    if problems:
        raise RosterError(path, problems)
    return resolved

from nlp.locator import Locator, locate_point, point_in_polygon

SQUARE = [[113.0, 34.0], [113.1, 34.0], [113.1, 34.1], [113.0, 34.1]]


def test_longest_alias_wins():
    loc = Locator([("人民东路", "road-1"), ("人民东路62号院", "yard-62"), ("纺织路社区", "c-1")])
    match = loc.locate("纺织路社区人民东路62号院一下雨就积水")
    assert (match.alias, match.unit_code, match.start) == ("人民东路62号院", "yard-62", 5)


def test_earliest_among_equal_length_and_none():
    loc = Locator([("东区", "e"), ("西区", "w")])
    assert loc.locate("西区和东区").unit_code == "w"
    assert loc.locate("没有地名") is None


def test_point_in_polygon():
    assert point_in_polygon(34.05, 113.05, SQUARE)
    assert not point_in_polygon(34.2, 113.05, SQUARE)
    assert locate_point(34.05, 113.05, {"x": [[0, 0], [1, 0], [1, 1]], "grid-1": SQUARE}) == "grid-1"
    assert locate_point(0.0, 0.0, {"grid-1": SQUARE}) is None


# ---- real-style addresses against the demo district (issue 12) ------------------------------
# Each row: what a resident writes, and the unit it names (a tuple: a road's units; None: no place).
# The locator is built from the org file itself, as the bot builds it: no alias is added here by hand.

ROAD_RENMIN = ("fangzhilu-1", "fangzhilu-2")
ROAD_HUANGHE = ("fangzhilu-3", "zhaizhuang-c-3")
ADDRESSES = [
    # unit names and their aliases, every level
    ("召陵区这边的路灯都不亮", "zhaoling"), ("漯河市召陵区政务服务", "zhaoling"), ("天桥街道的路灯", "tianqiao"), ("天桥街道办事处门口", "tianqiao-c-1"),
    ("天桥办事处后面", "tianqiao"), ("翟庄办事处", "zhaizhuang"), ("召陵镇政府旁边", "zhaoling-town"),
    ("老窝镇政府门口", "laowo"), ("纺织路社区的垃圾站", "fangzhilu"), ("嵩山路社区活动室", "songshanlu"),
    ("辽河路社区", "liaohelu"), ("黄山路社区居委会", "huangshanlu"), ("天桥社区", "tianqiao-c"),
    ("后谢村村口", "houxie"), ("大郭村的路", "daguo"), ("老窝村", "laowocun"),
    ("纺织路社区第二网格", "fangzhilu-2"), ("天桥社区第三网格的网格员", "tianqiao-c-3"),
    # compounds, buildings, markets, schools, crossings, groups (grid aliases)
    ("纺织路社区人民东路62号院一下雨就积水", "fangzhilu-1"), ("纺织厂家属院3号楼", "fangzhilu-1"),
    ("棉纺小区东门", "fangzhilu-2"), ("纺织路菜市场门口", "fangzhilu-2"), ("纺织路小学门口堵车", "fangzhilu-3"),
    ("东方红小区里", "fangzhilu-3"), ("纺织路与黄河路交叉口的红绿灯", "fangzhilu-3"), ("金桥花园5栋", "songshanlu-1"),
    ("嵩山路农贸市场", "songshanlu-1"), ("建业森林半岛二期", "songshanlu-2"), ("祁山路口", "songshanlu-2"),
    ("电业局家属院", "songshanlu-3"), ("铁路家属院", "tianqiao-c-1"), ("火车站广场有人摆摊", "tianqiao-c-1"),
    ("天桥商场后面", "tianqiao-c-2"), ("幸福小区", "tianqiao-c-2"), ("供销社家属院", "tianqiao-c-3"),
    ("翟庄新村", "zhaizhuang-c-1"), ("翟庄安置小区", "zhaizhuang-c-2"), ("绿地城", "zhaizhuang-c-3"),
    ("阳光花园南门", "liaohelu-1"), ("恒大绿洲", "liaohelu-2"), ("辽河路与黄山路交叉口", "liaohelu-2"),
    ("水利局家属院", "liaohelu-3"), ("昌建外滩", "huangshanlu-1"), ("中心医院家属院", "huangshanlu-2"),
    ("龙湖小区", "huangshanlu-3"), ("黄山路充电站排队", "huangshanlu-3"), ("召陵村小学", "zhaolingcun-1"),
    ("召陵岗", "zhaolingcun-3"), ("后谢养殖场臭气", "houxie-3"), ("老窝集上", "laowocun-1"), ("老窝中学", "laowocun-3"),
    ("沙河堤大郭段", "daguo-3"), ("后谢村卫生室", "houxie-2"),
    # numerals in either script, full-width digits, spaces
    ("召陵村6组", "zhaolingcun-3"), ("召陵村一组", "zhaolingcun-1"), ("后谢村3组", "houxie-2"),
    ("大郭村五组", "daguo-3"), ("人民东路六十二号院", "fangzhilu-1"), ("人民东路８８号院", "fangzhilu-2"),
    ("嵩山路 12 号院", "songshanlu-1"), ("辽河路六十六号院", "liaohelu-3"), ("老窝村2组", "laowocun-1"),
    # house numbers without or with other suffixes
    ("人民东路62号楼下积水了", "fangzhilu-1"), ("人民东路62号院2号楼3单元", "fangzhilu-1"), ("人民东路62号", "fangzhilu-1"),
    ("人民东路60号大院", "fangzhilu-1"), ("嵩山路45号3栋", "songshanlu-3"), ("天桥路8号", "tianqiao-c-1"),
    ("天桥路30号院门口", "tianqiao-c-3"), ("辽河路16号楼", "liaohelu-1"), ("黄山路9号", "huangshanlu-1"),
    ("黄河路168号", "zhaizhuang-c-3"), ("纺织路1号楼", "fangzhilu-1"),
    # roads alone: every unit they run through (the bot routes to the community when there is one)
    ("人民东路上的井盖丢了", ROAD_RENMIN), ("黄河路边上乱停车", ROAD_HUANGHE), ("长江路", ("zhaizhuang-c-1",)),
    ("解放路那边", ("tianqiao-c-2",)), ("嵩山路上", "songshanlu"), ("天桥路", "tianqiao-c"),
    # one mistyped character in a proper name, where only one place fits
    ("人明东路62号院", "fangzhilu-1"), ("建业森林伴岛", "songshanlu-2"), ("棉防小区", "fangzhilu-2"),
    ("昌键外滩", "huangshanlu-1"), ("翟壮新村", "zhaizhuang-c-1"),
    # no place, or not one we may guess
    ("楼道里的灯又坏了", None), ("一下雨就积水", None), ("有个事情想反映一下", None), ("召陵村七组", "zhaolingcun"),
    ("纺织路中学", "fangzhilu"), ("松山路", None), ("人民西路", None),
]


def demo_locator() -> Locator:
    from bot.demo import demo_org_path
    from bot.orgfile import load_org
    pairs = []
    for unit in load_org(demo_org_path()).units:
        pairs += [(unit.name, unit.code)] + [(alias, unit.code) for alias in unit.aliases]
    return Locator(pairs)


def _named(match):
    if match is None:
        return None
    return match.unit_code if match.unit_code is not None else tuple(match.candidates)


def test_real_style_addresses():
    loc = demo_locator()
    wrong = [(text, want, _named(loc.locate(text))) for text, want in ADDRESSES if _named(loc.locate(text)) != want]
    places = [want for _, want in ADDRESSES if want is not None]
    found = sum(1 for text, want in ADDRESSES if want is not None and _named(loc.locate(text)) == want)
    print(f"locator table: {found}/{len(places)} places found and correct, {len(ADDRESSES)} rows")
    assert len(ADDRESSES) >= 60
    assert not wrong


def test_numerals_read_in_either_script():
    from nlp.locator import normalize
    assert normalize("六十二号")[0] == "62号" and normalize("一百零八")[0] == "108" and normalize("十二")[0] == "12"
    assert normalize("一下雨就积水")[0] == "一下雨就积水"            # 一 as a word stays a word
    assert normalize("２号 楼")[0] == "2号楼"


def test_match_span_is_in_the_text_as_written():
    match = demo_locator().locate("我家在人民东路六十二号院2号楼")
    assert "我家在人民东路六十二号院2号楼"[match.start:match.end] == "人民东路六十二号院"


def test_traditional_characters_are_read_as_simplified():
    from nlp.script import simplified
    assert simplified("我家樓下的路燈壞了，人民東路62號院") == "我家楼下的路灯坏了，人民东路62号院"
    assert simplified("abc") == "abc"

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

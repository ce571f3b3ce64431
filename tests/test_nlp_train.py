import time
from pathlib import Path

import pytest

from nlp.classifier import Classifier
from nlp.dataset import read_labelled
from nlp.evaluate import evaluate
from nlp.lexicon import dump_lexicon, load_lexicon
from nlp.tokenizer import Tokenizer
from nlp.train import calibrate_margin, train_lexicon

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def test_calibrate_margin():
    assert calibrate_margin([0.9, 0.8, 0.1, 0.05], [True, True, False, False], 0.9) == 0.8


def test_train_small_and_classify(tmp_path):
    from nlp.dataset import LabelledText
    rows = [LabelledText(t, label) for t, label in [
        ("下水道堵了污水冒出来", "排水"), ("一下雨就积水", "排水"), ("污水井冒水", "排水"),
        ("拖欠工资三个月", "劳动"), ("老板不发工资", "劳动"), ("讨薪无门工资没发", "劳动")]] * 5
    lexicon = train_lexicon(rows, Tokenizer(), max_keywords=100, holdout=0)
    dump_lexicon(lexicon, tmp_path / "l.toml")
    clf = Classifier(load_lexicon(tmp_path / "l.toml"), Tokenizer())
    assert clf.classify("工资被拖欠").category == "劳动"
    assert clf.classify("下雨积水").category == "排水"


def test_classify_time_features_reproduce_training():
    from nlp.dataset import LabelledText
    from nlp.train import featurize
    rows = [LabelledText("下水道 堵 了 污水 冒 出来 污水", "排水", tokenized=True),
            LabelledText("拖欠工资三个月，工资没发", "劳动", title="讨薪")] * 5
    tok = Tokenizer()
    lexicon = train_lexicon(rows, tok, max_keywords=100, holdout=0, min_df=1)
    clf = Classifier(lexicon, tok)
    for row, vec in zip(rows, featurize(rows, tok)):
        assert clf.score_vector(vec)[0] == pytest.approx(clf.scores(tok.cut("".join(row.full_text.split())))[0])
    assert lexicon.scheme.tf == "log" and lexicon.scheme.norm == "l2"


@pytest.mark.skipif(not (DATA / "tipdm_dev.csv").exists(), reason=f"TIPDM data not found in {DATA}")
def test_trained_lexicon_macro_f1_on_dev(tmp_path):
    """A regression guard below the level reached (0.9018 with 1000 keywords a category: NBSVM with
    C 0.5, balanced categories, sub-words). The issue's floor is 0.90 (TF-IDF + LinearSVC: 0.916);
    a dev figure moves by about ±0.027 (bootstrap), so the guard sits a little below the floor."""
    start = time.perf_counter()
    tok = Tokenizer()
    rows = read_labelled(DATA / "tipdm_train.csv") + read_labelled(DATA / "tipdm_train_tokenized.csv")
    lexicon = train_lexicon(rows, tok)
    dump_lexicon(lexicon, tmp_path / "tipdm.toml")
    report = evaluate(Classifier(load_lexicon(tmp_path / "tipdm.toml"), tok),
                      read_labelled(DATA / "tipdm_dev.csv"))
    print(report.format_text(), report.as_json(), f"{time.perf_counter() - start:.1f} s")
    assert report.macro_f1 >= 0.89


def test_twins_are_found_and_left_out_of_training():
    from nlp.split import holdout_split, twins_of
    base = "小区 门口 垃圾 堆积 多日 无人 清运 臭气 熏天 居民 出行 不便".split()
    other = "学校 周边 交通 拥堵 家长 接送 孩子 车辆 乱停 乱放 存在 安全 隐患".split()
    rows = [base, base[:-1] + ["严重"], other, other[2:], "工资 拖欠 半年 老板 失联".split()]
    assert twins_of([0], rows) == {1}
    assert twins_of([2], rows) == {3}
    train, held = holdout_split(rows, [0, 2, 4], 0.34, seed=1)
    assert len(held) == 1 and not set(train) & set(held)
    assert all(j not in train for i in held for j in twins_of([i], rows))


def test_balanced_svm_does_not_drown_a_small_class():
    from nlp.linear import train_svm
    # class 1 is rare and shares its only feature with class 0 half the time
    examples = [([0], [1.0], 0)] * 40 + [([1], [1.0], 0)] * 40 + [([0, 2], [0.7, 0.7], 1)] * 4
    plain = train_svm(examples, 2, 3, c=0.05)
    balanced = train_svm(examples, 2, 3, c=0.05, balanced=True)
    def predict(model, ids, xs):
        return max(range(2), key=lambda k: model.bias[k] + sum(model.weights[k][j] * v for j, v in zip(ids, xs)))
    assert predict(plain, [0, 2], [0.7, 0.7]) == 0
    assert predict(balanced, [0, 2], [0.7, 0.7]) == 1


def test_cross_validation_holds_twins_out():
    from nlp.crossval import cross_validate, folds_of
    from nlp.dataset import LabelledText
    texts = {"排水": ["下水道堵了污水冒出来", "一下雨就积水出不了门", "污水井冒水臭气熏天", "雨水井堵塞路面积水"],
             "劳动": ["拖欠工资三个月没发", "老板不发工资讨薪无门", "工地拖欠农民工工资", "公司欠薪不给加班费"]}
    rows = [LabelledText(t, label) for label, ts in texts.items() for t in ts] * 2   # each text twice
    summary = cross_validate(rows, Tokenizer(), folds=3, max_keywords=50, min_df=1)
    assert summary["n"] == 3
    for fold, held in zip(summary["folds"], folds_of(rows, 3, 13)):
        held_texts = {rows[i].text for i in held}
        # a held-out text's copy never stays in training; every other row does
        assert fold["train"] == sum(1 for r in rows if r.text not in held_texts)
        assert fold["held"] == len(held)
    assert 0.0 <= summary["macro_f1"] <= 1.0


def test_pure_python_solver_without_scikit_learn(monkeypatch):
    """Without the optional `train` extra, training falls back to nlp.linear's own solver and the
    twins search to its candidate pruning; both paths learn the same small problem."""
    import sys

    from nlp.dataset import LabelledText
    from nlp.split import twins_of
    rows = [LabelledText(t, label) for t, label in [
        ("下水道堵了污水冒出来", "排水"), ("一下雨就积水", "排水"), ("污水井冒水", "排水"),
        ("拖欠工资三个月", "劳动"), ("老板不发工资", "劳动"), ("讨薪无门工资没发", "劳动")]] * 5
    tokens = [t.split() for t in ("积水 严重 小区", "积水 严重 小区 门口", "工资 拖欠")]
    with_scipy = twins_of([0], tokens)
    fast = train_lexicon(rows, Tokenizer(), max_keywords=100, holdout=0)
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "scipy.sparse", None)
    assert twins_of([0], tokens) == with_scipy == {1}
    slow = train_lexicon(rows, Tokenizer(), max_keywords=100, holdout=0)
    for lexicon in (fast, slow):
        clf = Classifier(lexicon, Tokenizer())
        assert clf.classify("工资被拖欠").category == "劳动"
        assert clf.classify("下雨积水").category == "排水"

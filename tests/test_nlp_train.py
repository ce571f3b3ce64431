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
    """A regression guard below the level reached (0.881 with 500 keywords a category, NBSVM recipe).
    The issue's floor is 0.90 (TF-IDF + LinearSVC: 0.916) and is NOT met yet; raise this bound when it is."""
    start = time.perf_counter()
    tok = Tokenizer()
    rows = read_labelled(DATA / "tipdm_train.csv") + read_labelled(DATA / "tipdm_train_tokenized.csv")
    lexicon = train_lexicon(rows, tok)
    dump_lexicon(lexicon, tmp_path / "tipdm.toml")
    report = evaluate(Classifier(load_lexicon(tmp_path / "tipdm.toml"), tok),
                      read_labelled(DATA / "tipdm_dev.csv"))
    print(report.format_text(), report.as_json(), f"{time.perf_counter() - start:.1f} s")
    assert report.macro_f1 >= 0.87

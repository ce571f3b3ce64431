import openpyxl

from nlp.dataset import LabelledText, read_labelled


def test_read_csv(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("id,title,text,label\n1,标题,正文内容,城乡建设\n2,,只有正文,教育文体\n", encoding="utf-8")
    rows = read_labelled(path)
    assert rows == [LabelledText("正文内容", "城乡建设", "标题"), LabelledText("只有正文", "教育文体")]
    assert rows[0].full_text == "标题。正文内容"


def test_read_tokenized_csv(tmp_path):
    path = tmp_path / "d_tokenized.csv"
    path.write_text("text,label\n小区 积水 严重,城乡建设\n", encoding="utf-8")
    (row,) = read_labelled(path)
    assert row.tokenized and row.full_text.split() == ["小区", "积水", "严重"]


def test_read_xlsx(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["text", "label", "title"])
    sheet.append(["路灯不亮", "城乡建设", None])
    path = tmp_path / "d.xlsx"
    book.save(path)
    assert read_labelled(path) == [LabelledText("路灯不亮", "城乡建设", "")]

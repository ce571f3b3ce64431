"""Labelled texts for training and evaluation, read from CSV or XLSX.

Columns: `text`, `label`, optional `title` and `id` (extra columns ignored). A file whose name
ends in `_tokenized.csv` (or `_tokenized.xlsx`) holds space-separated tokens, already filtered.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LabelledText:
    text: str
    label: str
    title: str = ""
    tokenized: bool = False

    @property
    def full_text(self) -> str:
        """Title and text together, as one message."""
        if not self.title:
            return self.text
        return f"{self.title} {self.text}" if self.tokenized else f"{self.title}。{self.text}"


def _rows_from_records(records, tokenized: bool, source: str) -> list[LabelledText]:
    out = []
    for n, rec in enumerate(records, start=2):
        rec = {str(k).strip().lower(): ("" if v is None else str(v)) for k, v in rec.items() if k is not None}
        if "text" not in rec or "label" not in rec:
            raise ValueError(f"{source}: needs columns text,label (line {n})")
        label = rec["label"].strip()
        if not label:
            continue
        out.append(LabelledText(rec["text"].strip(), label, rec.get("title", "").strip(), tokenized))
    return out


def _xlsx_records(path: Path):
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.active.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, ())]
        return [dict(zip(header, row)) for row in rows if any(v is not None for v in row)]
    finally:
        book.close()


def read_labelled(path) -> list[LabelledText]:
    """Read labelled texts from a CSV or XLSX file."""
    path = Path(path)
    tokenized = path.stem.endswith("_tokenized")
    if path.suffix.lower() == ".xlsx":
        return _rows_from_records(_xlsx_records(path), tokenized, str(path))
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return _rows_from_records(csv.DictReader(fh), tokenized, str(path))

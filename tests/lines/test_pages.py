"""Folders of labelled pages (raw/ + gold/*.tsv): read exactly, every problem named by file and line."""

from __future__ import annotations

import pytest

from detente.errors import InputError
from detente.lines.pages import read_labelled_pages
from line_pages import write_pages


def test_pages_are_read_in_id_order_with_sites_and_labels(tmp_path):
    pages = read_labelled_pages(write_pages(tmp_path / "d", 3))
    assert [p.page_id for p in pages] == ["p000", "p001", "p002"]
    assert [p.site for p in pages] == ["site0.example", "site0.example", "site1.example"]
    assert all(len(p.lines) == len(p.content) and p.content[5] == 1 and p.content[0] == 0 for p in pages)


def test_a_folder_without_a_manifest_has_no_sites(tmp_path):
    folder = write_pages(tmp_path / "d", 1)
    (folder / "manifest.json").unlink()
    assert read_labelled_pages(folder)[0].site is None


def _one_page(tmp_path, raw: str, tsv: str):
    (tmp_path / "raw").mkdir()
    (tmp_path / "gold").mkdir()
    (tmp_path / "raw" / "x.txt").write_text(raw, encoding="utf-8")
    (tmp_path / "gold" / "x.tsv").write_text(tsv, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("tsv", "where", "message"),
    [
        ("line\tlabel\ttext\n1\t0\tA\n2\t1\tB\n", "x.tsv:1", "expected the header"),
        ("line\tcontent\ttext\n1\t0\tA\n", "x.tsv", "1 label rows for 2 raw lines"),
        ("line\tcontent\ttext\n1\t0\tA\n2\tyes\tB\n", "x.tsv:3", "content must be 0 or 1, got 'yes'"),
        ("line\tcontent\ttext\n1\t0\tA\n3\t1\tB\n", "x.tsv:3", "expected row for line 2"),
        ("line\tcontent\ttext\n1\t0\tA\n2\t1\tC\n", "x.tsv:3", "text does not repeat raw line"),
    ],
)
def test_bad_gold_is_named_by_file_and_line(tmp_path, tsv, where, message):
    folder = _one_page(tmp_path, "A\nB\n", tsv)
    with pytest.raises(InputError, match=rf"{folder / 'gold'}/{where}: {message}"):
        read_labelled_pages(folder)


def test_a_page_without_gold_and_an_empty_folder_are_named(tmp_path):
    folder = _one_page(tmp_path, "A\n", "line\tcontent\ttext\n1\t0\tA\n")
    (folder / "raw" / "y.txt").write_text("B\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"gold/y.tsv: no gold labels for .*raw/y.txt"):
        read_labelled_pages(folder)
    (folder / "raw" / "y.txt").unlink()
    (folder / "raw" / "x.txt").unlink()
    with pytest.raises(InputError, match=r"raw: no .txt pages"):
        read_labelled_pages(folder)


def test_text_with_line_separators_inside_a_line_stays_one_line(tmp_path):
    raw = "A\u2028still A\x85and A\nB\n"
    folder = _one_page(tmp_path, raw, "line\tcontent\ttext\n1\t1\tA\u2028still A\x85and A\n2\t0\tB\n")
    assert read_labelled_pages(folder)[0].lines == ["A\u2028still A\x85and A", "B"]

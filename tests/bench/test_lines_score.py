"""detente.bench.lines_score: hand-computed line scores, the two gold sources, and every refused input naming file:line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from detente.bench.lines_evaluate import main_evaluate_lines
from detente.bench.lines_score import (
    GoldPage,
    gold_from_pages_folder,
    gold_from_release,
    predictions_as_lists,
    read_gold,
    read_line_predictions,
    score_lines,
)
from detente.errors import InputError

# Two pages; (text, gold content). Page a: line 1 is the title, line 2 blank. Page b: line 1 title, line 4 blank.
PAGE_A = [("Title A", 1), ("", 0), ("Body one", 1), ("Body two", 1), ("Menu", 0), ("Footer", 0)]
PAGE_B = [("Title B", 1), ("Body", 1), ("Related", 0), ("   ", 0)]
# Predictions per line number; a's blank line 2 is left out, b's blank line 4 is predicted 1 (ignored).
PRED_A = {1: 1, 3: 1, 4: 0, 5: 1, 6: 1}
PRED_B = {1: 0, 2: 1, 3: 0, 4: 1}


def write_pages(folder: Path, pages: dict[str, list[tuple[str, int]]], titles: dict[str, list[int]] | None = None) -> Path:
    (folder / "raw").mkdir(parents=True)
    (folder / "gold").mkdir()
    for page_id, lines in pages.items():
        (folder / "raw" / f"{page_id}.txt").write_text("".join(f"{text}\n" for text, _ in lines), encoding="utf-8")
        rows = ["line\tcontent\ttext"] + [f"{n}\t{c}\t{text}" for n, (text, c) in enumerate(lines, start=1)]
        (folder / "gold" / f"{page_id}.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    if titles is not None:
        manifest = {"pages": [{"id": page_id, "site": "example.org", "title_lines": numbers} for page_id, numbers in titles.items()]}
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def write_jsonl(path: Path, records: list[Any]) -> Path:
    """Records as JSONL; a str is written verbatim (for broken lines), non-ASCII characters unescaped."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def records(page_id: str, labels: dict[int, Any]) -> list[dict[str, Any]]:
    return [{"doc_id": page_id, "line": n, "content": c} for n, c in labels.items()]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_pages(tmp_path / "pages", {"a": PAGE_A, "b": PAGE_B}, titles={"a": [1], "b": [1]})


def evaluate(folder: Path, path: Path) -> Any:
    gold = read_gold(folder)
    return score_lines(gold, predictions_as_lists(read_line_predictions(path, gold), gold))


def test_hand_computed_micro_macro_with_and_without_title(folder: Path, tmp_path: Path) -> None:
    # all lines    a: TP 2 (1,3) FP 2 (5,6) FN 1 (4) -> P .5,  R 2/3, F1 4/7;  b: TP 1 FP 0 FN 1 -> P 1, R .5, F1 2/3
    # no title     a: TP 1 FP 2 FN 1 -> P 1/3, R .5, F1 .4;                  b: TP 1 FP 0 FN 0 -> P 1, R 1, F1 1
    preds = write_jsonl(tmp_path / "preds.jsonl", records("a", PRED_A) + records("b", PRED_B))
    scores = evaluate(folder, preds)
    assert scores.pages == 2 and scores.missing == []
    full, bare = scores.all_lines, scores.without_title
    assert (full.lines, bare.lines) == (8, 6)
    assert (full.micro.tp, full.micro.fp, full.micro.fn) == (3, 2, 2)
    assert [round(x, 4) for x in (full.micro.precision, full.micro.recall, full.micro.f1)] == [0.6, 0.6, 0.6]
    assert [round(x, 4) for x in (full.macro_precision, full.macro_recall, full.macro_f1)] == [0.75, 0.5833, 0.6190]
    assert (bare.micro.tp, bare.micro.fp, bare.micro.fn) == (2, 2, 1)
    assert [round(x, 4) for x in (bare.micro.precision, bare.micro.recall, bare.micro.f1)] == [0.5, 0.6667, 0.5714]
    assert [round(x, 4) for x in (bare.macro_precision, bare.macro_recall, bare.macro_f1)] == [0.6667, 0.75, 0.7]
    assert full.macro_pages == bare.macro_pages == 2


def test_without_manifest_no_line_is_a_title(tmp_path: Path) -> None:
    gold = gold_from_pages_folder(write_pages(tmp_path / "pages", {"a": PAGE_A}))
    scores = score_lines(gold, predictions_as_lists({"a": PRED_A}, gold))
    assert scores.all_lines == scores.without_title
    assert scores.all_lines.lines == scores.without_title.lines == 5


def test_blank_lines_are_ignored_whatever_predicted(folder: Path) -> None:
    gold = read_gold(folder)
    base = score_lines(gold, predictions_as_lists({"a": PRED_A, "b": PRED_B}, gold))
    flipped = score_lines(gold, predictions_as_lists({"a": {**PRED_A, 2: 1}, "b": {**PRED_B, 4: 0}}, gold))
    assert base.all_lines == flipped.all_lines and base.without_title == flipped.without_title


def test_missing_page_is_scored_as_zeros_and_listed(folder: Path, tmp_path: Path) -> None:
    preds = write_jsonl(tmp_path / "preds.jsonl", records("a", PRED_A))
    scores = evaluate(folder, preds)
    assert scores.missing == ["b"]
    # b contributes FN 2 (title + body), nothing else: micro TP 2 FP 2 FN 3; b's page P = R = F1 = 0.
    assert (scores.all_lines.micro.tp, scores.all_lines.micro.fp, scores.all_lines.micro.fn) == (2, 2, 3)
    assert round(scores.all_lines.macro_f1, 4) == round((4 / 7 + 0) / 2, 4)


def test_page_with_nothing_to_find_and_nothing_found_is_left_out_of_macro() -> None:
    gold = {"x": GoldPage.from_lines(["Body", "Menu"], [1, 0]), "y": GoldPage.from_lines(["Menu", "Ad"], [0, 0])}
    scores = score_lines(gold, {"x": [1, 0]})
    assert scores.missing == ["y"]
    assert scores.all_lines.macro_pages == 1
    assert scores.all_lines.macro_f1 == 1.0 and scores.all_lines.micro.f1 == 1.0


def test_zero_denominators_count_as_zero() -> None:
    gold = {"x": GoldPage.from_lines(["Menu", "Ad"], [0, 0])}
    scores = score_lines(gold, {"x": [1, 0]})
    assert (scores.all_lines.micro.precision, scores.all_lines.micro.recall, scores.all_lines.micro.f1) == (0.0, 0.0, 0.0)
    assert scores.all_lines.macro_pages == 1 and scores.all_lines.macro_f1 == 0.0


def test_in_memory_api_refuses_mismatched_predictions() -> None:
    gold = {"x": GoldPage.from_lines(["Body"], [1])}
    with pytest.raises(ValueError, match="1 lines"):
        score_lines(gold, {"x": [1, 0]})
    with pytest.raises(ValueError, match="not in the gold"):
        score_lines(gold, {"z": [1]})


def test_booleans_and_probability_are_accepted(folder: Path, tmp_path: Path) -> None:
    as_bools = [{**r, "content": bool(r["content"]), "probability": 0.5} for r in records("a", PRED_A) + records("b", PRED_B)]
    ints = evaluate(folder, write_jsonl(tmp_path / "ints.jsonl", records("a", PRED_A) + records("b", PRED_B)))
    bools = evaluate(folder, write_jsonl(tmp_path / "bools.jsonl", as_bools))
    assert ints == bools


# -------------------------------------------------------------- refused predictions, each naming file:line

COMPLETE_A = records("a", PRED_A)  # 5 records: file lines 1-5


@pytest.mark.parametrize(
    ("third", "message"),
    [
        ("{not json", r"preds\.jsonl:3: invalid JSON"),
        ({"doc_id": "a", "line": 3, "content": 2}, r"preds\.jsonl:3: does not match schema 'line_predictions'.*content"),
        ({"doc_id": "a", "line": 3, "content": "yes"}, r"preds\.jsonl:3: does not match schema 'line_predictions'.*content"),
        ({"doc_id": "a", "line": 3, "content": 1, "label": 1}, r"preds\.jsonl:3: does not match schema 'line_predictions'"),
        ({"doc_id": "a", "line": 0, "content": 1}, r"preds\.jsonl:3: does not match schema 'line_predictions'.*line"),
        ({"doc_id": "zzz", "line": 1, "content": 1}, r"preds\.jsonl:3: unknown doc_id 'zzz'"),
        ({"doc_id": "a", "line": 7, "content": 1}, r"preds\.jsonl:3: line 7 is outside page 'a', which has 6 lines"),
        ({"doc_id": "a", "line": 1, "content": 0}, r"preds\.jsonl:3: line 1 of page 'a' predicted twice \(first at .*preds\.jsonl:1\)"),
    ],
)
def test_bad_prediction_names_file_and_line(folder: Path, tmp_path: Path, third: Any, message: str) -> None:
    preds = write_jsonl(tmp_path / "preds.jsonl", [COMPLETE_A[0], COMPLETE_A[1], third, *COMPLETE_A[2:]])
    with pytest.raises(InputError, match=message):
        evaluate(folder, preds)


def test_wrong_line_count_names_page_and_counts(folder: Path, tmp_path: Path) -> None:
    preds = write_jsonl(tmp_path / "preds.jsonl", COMPLETE_A + records("b", {1: 0, 2: 1}))  # b's line 3 left out
    with pytest.raises(InputError, match=r"preds\.jsonl:6: wrong line count for page 'b': expected predictions for its 3 non-blank lines, got 2 \(missing lines 3\)"):
        evaluate(folder, preds)


def test_missing_predictions_file(folder: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope.jsonl: no such file"):
        evaluate(folder, tmp_path / "nope.jsonl")


def test_unrecognised_gold_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^.*: expected a release folder"):
        read_gold(tmp_path)
    with pytest.raises(InputError, match=r"^.*/absent: no such folder \(expected a release folder"):
        read_gold(tmp_path / "absent")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"^.*/file: not a folder \(expected"):
        read_gold(tmp_path / "file")


def test_title_line_outside_page_is_refused(tmp_path: Path) -> None:
    folder = write_pages(tmp_path / "pages", {"a": PAGE_A}, titles={"a": [9]})
    with pytest.raises(InputError, match=r"manifest\.json: page 'a': title line 9"):
        gold_from_pages_folder(folder)


# -------------------------------------------------------------- release folders and odd characters


def line_record(doc_id: str, line: int, text: str, cls: str, category: str) -> dict[str, Any]:
    return {"doc_id": doc_id, "line": line, "raw_start": 0, "text": text, "class": cls, "category": category, "label_source": "predicted", "rule": "test"}


D1, D2 = "dtn-000000000001", "dtn-000000000002"


@pytest.fixture
def release(tmp_path: Path) -> Path:
    root = tmp_path / "annotated" / "9.9.9"
    (root / "lines").mkdir(parents=True)
    write_jsonl(
        root / "lines" / "train.jsonl",
        [
            line_record(D1, 1, "A title", "content", "title"),
            line_record(D1, 2, "", "boilerplate", "whitespace"),
            line_record(D1, 3, "Body with\u2028a line separator and a\x85next line", "content", "body"),
            line_record(D1, 4, "By A. Writer", "metadata", "byline"),
        ],
    )
    write_jsonl(root / "lines" / "test.jsonl", [line_record(D2, 1, "Menu", "boilerplate", "navigation"), line_record(D2, 2, "Body", "content", "body")])
    return root


def test_release_gold_and_report(release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = gold_from_release(release)
    assert gold[D1] == GoldPage([1, 0, 1, 0], [False, True, False, False], frozenset({1}))
    assert gold[D2] == GoldPage([0, 1], [False, False], frozenset())
    # D1: TP 1 (title) FP 1 (byline) FN 1 (body); D2 missing: FN 1.
    preds = write_jsonl(tmp_path / "preds.jsonl", records(D1, {1: 1, 3: 0, 4: 1}))
    out = tmp_path / "report.json"
    assert main_evaluate_lines(str(preds), str(release), json_out=str(out)) == 0
    printed = capsys.readouterr().out
    assert "no predictions for 1 page(s), scored as all 0: dtn-000000000002" in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["pages"] == 2 and report["missing"] == [D2]
    assert report["all_lines"]["micro"] == {"tp": 1, "fp": 1, "fn": 2, "precision": 0.5, "recall": 0.3333, "f1": 0.4}
    assert report["all_lines"]["macro"] == {"precision": 0.25, "recall": 0.25, "f1": 0.25, "pages": 2}
    assert report["without_title"]["micro"] == {"tp": 0, "fp": 1, "fn": 2, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert report["all_lines"]["lines"] == 5 and report["without_title"]["lines"] == 4


def test_release_line_given_twice_names_file_and_line(release: Path) -> None:
    path = release / "lines" / "test.jsonl"
    path.write_text(path.read_text(encoding="utf-8") + json.dumps(line_record(D2, 2, "Body", "content", "body")) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"test\.jsonl:3: line 2 of dtn-000000000002 given twice"):
        gold_from_release(release)


def test_release_bad_json_names_file_and_line(release: Path) -> None:
    path = release / "lines" / "test.jsonl"
    path.write_text(path.read_text(encoding="utf-8") + "{oops\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"test\.jsonl:3: invalid JSON"):
        gold_from_release(release)


def test_line_separators_inside_json_strings_do_not_split_records(tmp_path: Path) -> None:
    # U+2028 and U+0085 are legal unescaped in JSON strings but are line breaks to str.splitlines().
    odd = "p\u2028q\x85r"
    folder = write_pages(tmp_path / "pages", {odd: [("Title", 1), ("Body \u2028 text \x85 more", 1), ("Menu", 0)]})
    preds = write_jsonl(tmp_path / "preds.jsonl", records(odd, {1: 1, 2: 1, 3: 1}))
    assert "\u2028" in preds.read_text(encoding="utf-8")
    scores = evaluate(folder, preds)
    assert (scores.all_lines.micro.tp, scores.all_lines.micro.fp, scores.all_lines.micro.fn) == (2, 1, 0)

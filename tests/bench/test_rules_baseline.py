"""detente.bench.rules_baseline reproduces the old rule-based cleaner: its content decision on the five seed pages
is the content class of every "predicted" line label of release 0.3.0 (the last release labelled by it)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO
from detente.bench.rules_baseline import rules_content
from detente.rawtext import decode, line_pieces

OLD_RELEASE_LINES = REPO / "annotated" / "0.3.0" / "lines"


def old_labels() -> dict[str, dict[int, tuple[bool, str]]]:
    """doc_id -> {line: (content class?, label_source)} from the 0.3.0 line records (split on "\\n" only)."""
    labels: dict[str, dict[int, tuple[bool, str]]] = {}
    for path in sorted(OLD_RELEASE_LINES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                record = json.loads(line)
                labels.setdefault(record["doc_id"], {})[record["line"]] = (record["class"] == "content", record["label_source"])
    return labels


def test_rules_content_matches_the_old_cleaners_predictions_on_the_seeds() -> None:
    labels = old_labels()
    raw_paths = sorted((REPO / "raw").glob("*.txt"))
    assert sorted(p.stem for p in raw_paths) == sorted(labels)
    compared = 0
    for path in raw_paths:
        pieces = line_pieces(decode(path.read_bytes(), str(path)))
        predicted = rules_content([piece.strip() for piece in pieces])
        assert len(predicted) == len(labels[path.stem]) == len(pieces)
        for number, (is_content, source) in sorted(labels[path.stem].items()):
            if source == "predicted":
                assert predicted[number - 1] == is_content, f"{path.stem} line {number}: {pieces[number - 1]!r}"
                compared += 1
    assert compared > 0.9 * sum(len(page) for page in labels.values())  # only a handful of lines were corrected


def test_rules_content_on_an_empty_page_and_blank_lines() -> None:
    assert rules_content([]) == []
    assert rules_content(["", "   "]) == [False, False]


def test_prose_after_a_headline_is_content(tmp_path: Path) -> None:
    page = ["Home", "A headline of the sort the old rules took for a title", "",
            "This is a sentence of running text that reads as the article body.", "Another sentence of the body goes here, too."]
    assert rules_content(page) == [False, True, False, True, True]

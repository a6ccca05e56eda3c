"""`detente evaluate-lines`: the cleaner's own figures, or a predictions file's, from the same scorer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detente.cli import main
from detente.pipeline.clean import cleaner_id
from detente.version import DATASET_VERSION
from line_pages import write_pages

REPO = Path(__file__).resolve().parents[2]


def test_the_cleaner_scored_on_a_page_folder(tmp_path, capsys):
    folder = write_pages(tmp_path / "pages", 4)
    assert main(["evaluate-lines", "--gold", str(folder), "--json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert f"predictions: the cleaner ({cleaner_id()})" in out and "line scores: 4 pages" in out
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    lines = sum(1 for p in (folder / "raw").glob("*.txt") for _ in p.open())
    assert report["all_lines"]["lines"] == lines and report["without_title"]["lines"] == lines - 4
    assert report["all_lines"]["micro"]["tp"] + report["all_lines"]["micro"]["fn"] == sum(
        int(row.split("\t")[1]) for p in (folder / "gold").glob("*.tsv") for row in p.read_text(encoding="utf-8").splitlines()[1:])


def test_a_predictions_file_scored_on_the_release(tmp_path, capsys):
    release = REPO / "annotated" / DATASET_VERSION
    records = [json.loads(line) for path in sorted((release / "lines").glob("*.jsonl"))
               for line in path.read_text(encoding="utf-8").split("\n") if line]
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("".join(json.dumps({"doc_id": r["doc_id"], "line": r["line"], "content": int(r["class"] == "content")}) + "\n"
                                   for r in records), encoding="utf-8")
    assert main(["evaluate-lines", "--gold", str(release), "--predictions", str(predictions), "--json", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["all_lines"]["micro"]["f1"] == 1.0 and report["all_lines"]["lines"] == sum(1 for r in records if r["text"].strip())


def test_a_bad_predictions_file_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    folder = write_pages(tmp_path / "pages", 1)
    predictions = tmp_path / "p.jsonl"
    predictions.write_text('{"doc_id": "p000", "line": 1, "content": 0}\n{"doc_id": "nope", "line": 1, "content": 1}\n', encoding="utf-8")
    assert main(["evaluate-lines", "--gold", str(folder), "--predictions", str(predictions)]) == 1
    assert f"detente evaluate-lines: error: {predictions}:2: unknown doc_id 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--predictions", "{tmp}"], "{tmp}: is a folder; give a JSONL file"),
        (["--predictions", "{tmp}/p.jsonl", "--model", "{tmp}/m.json"], "--model: scores the cleaner with that model"),
        (["--json", "{tmp}/no/such/r.json"], "{tmp}/no/such/r.json: its folder does not exist"),
        (["--json", "{tmp}"], "{tmp}: exists and is not a regular file"),
        (["--model", "{tmp}/missing.json"], "{tmp}/missing.json: cannot read the line model"),
    ],
)
def test_bad_arguments_are_clear_errors(tmp_path, capsys, extra, message):
    folder = write_pages(tmp_path / "pages", 1)
    (tmp_path / "p.jsonl").write_text("", encoding="utf-8")
    arguments = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    assert main(["evaluate-lines", "--gold", str(folder), *arguments]) == 1
    assert f"detente evaluate-lines: error: {message.replace('{tmp}', str(tmp_path))}" in capsys.readouterr().err

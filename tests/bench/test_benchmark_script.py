"""scripts/benchmark.py still runs: a tiny crawl in each input format and engine, and the cleaners section on a tiny
labelled page folder plus the seeds. Nothing here needs ../shared."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from line_pages import write_pages

BENCHMARK = REPO / "scripts" / "benchmark.py"

# Two labelled pages, (text, gold content) per line.
PAGES = {
    "page-a": [
        ("Home", 0), ("World", 0), ("", 0), ("Diplomats meet in Geneva to discuss the trade talks", 1),
        ("The two delegations met on Tuesday for a third round of talks on tariffs and export controls.", 1),
        ("Officials said the meeting was constructive, and that a further round would follow next month.", 1),
        ("", 0), ("Share", 0), ("© 2023 Example News. All rights reserved.", 0),
    ],
    "page-b": [
        ("Menu", 0), ("Minister visits Beijing ahead of the summit", 1), ("", 0),
        ("The minister arrived in Beijing on Monday, the first such visit in five years.", 1),
        ("She is expected to meet her counterpart before the summit later this month.", 1),
        ("Related stories", 0), ("Other minister visits another capital", 0),
    ],
}


def write_labelled_pages(folder: Path) -> None:
    """raw/<id>.txt + gold/<id>.tsv, the form of ../shared/boilerplate/{train,dev} (detente.lines.pages)."""
    (folder / "raw").mkdir(parents=True)
    (folder / "gold").mkdir()
    for page_id, lines in PAGES.items():
        (folder / "raw" / f"{page_id}.txt").write_text("".join(f"{text}\n" for text, _ in lines), encoding="utf-8")
        rows = [f"{number}\t{content}\t{text}\n" for number, (text, content) in enumerate(lines, start=1)]
        (folder / "gold" / f"{page_id}.tsv").write_text("line\tcontent\ttext\n" + "".join(rows), encoding="utf-8")


@pytest.mark.parametrize(("input_format", "engine"), [("txt", "local"), ("jsonl", "local"), ("jsonl", "datatrove")])
def test_benchmark_runs_end_to_end_on_a_tiny_crawl(tmp_path, input_format, engine):
    if engine == "datatrove":
        pytest.importorskip("datatrove", reason="datatrove is not installed (the `scale` extra)")
    run = subprocess.run(
        [sys.executable, str(BENCHMARK), "--n", "60", "--shard-size", "25", "--bad-every", "20", "--skip-cleaners",
         "--input-format", input_format, "--engine", engine, "--work-dir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    # 60 synthetic articles, every 20th broken: 57 cleaned, 3 rejected, in 3 shards of up to 25
    assert re.search(r"^N=60: 57 documents, [\d,]+ lines, 3 rejects, 3 shards", run.stdout, re.MULTILINE), run.stdout
    assert re.search(r"peak memory \d+ MB", run.stdout), run.stdout
    assert "== cleaners" not in run.stdout


def import_benchmark():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import benchmark
    finally:
        sys.path.remove(str(REPO / "scripts"))
    return benchmark


def test_a_tool_that_cannot_be_imported_is_left_out_with_the_reason(monkeypatch):
    benchmark = import_benchmark()
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "justext" else real(name, *a))
    names, notes = benchmark.available_tools()
    assert "jusText" not in names and {"ours", "old rules", "keep everything"} <= set(names)
    assert "jusText skipped: module 'justext' is not importable (install the `bench` extra)" in notes
    assert all(note.endswith("is not importable (install the `bench` extra)") for note in notes)  # trafilatura too, without the extra


def test_line_matching_of_the_html_extractors():
    benchmark = import_benchmark()
    lines = ["Share", "A  body line.", "", "Share", "- Bullet point"]
    # trafilatura: by normalised text (whitespace collapsed, bullet marker dropped); blank lines never kept
    assert benchmark.kept_in_extracted_text(lines, "A body line.\nBullet point") == [False, True, False, False, True]
    assert benchmark.kept_in_extracted_text(lines, None) == [False] * 5

    class Paragraph:
        def __init__(self, text: str, is_boilerplate: bool) -> None:
            self.text, self.is_boilerplate = text, is_boilerplate

    # jusText: each paragraph's verdict lands on its own line, in page order, so equal lines can differ
    paragraphs = [Paragraph("Share", True), Paragraph("A body line.", False), Paragraph("Share", False), Paragraph("- Bullet point", True)]
    assert benchmark.kept_paragraphs(lines, paragraphs) == [False, True, False, True, False]


def test_the_synthetic_crawl_takes_its_categories_from_the_gold_and_is_deterministic(tmp_path):
    benchmark = import_benchmark()
    generator = benchmark.CorpusGenerator(benchmark.RAW, benchmark.GOLD_LINES, 0)
    assert len(generator.templates) == 5
    assert {"title", "body", "whitespace"} <= set(generator.pools)
    assert benchmark.write_corpus(tmp_path / "a", 20, 0, 0) == benchmark.write_corpus(tmp_path / "b", 20, 0, 0)
    assert [p.read_bytes() for p in sorted((tmp_path / "a").rglob("*.txt"))] == [p.read_bytes() for p in sorted((tmp_path / "b").rglob("*.txt"))]


def test_cleaners_section_scores_and_times_every_tool_on_a_tiny_page_folder_and_the_seeds(tmp_path):
    write_labelled_pages(tmp_path / "pages")
    run = subprocess.run(
        [sys.executable, str(BENCHMARK), "--skip-scale", "--rounds", "1", "--pages", str(tmp_path / "pages")],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "== scale" not in out
    assert re.search(r"^line scores on pages \(2 pages, 13 non-blank lines", out, re.MULTILINE), out
    assert re.search(r"^line scores on seeds \(5 pages", out, re.MULTILINE), out
    assert re.search(r"^throughput on pages \(2 pages", out, re.MULTILINE), out
    assert re.search(r"^throughput on seeds \(5 pages", out, re.MULTILINE), out
    expected = ["ours", "old rules", "keep everything"]
    for name, module in (("jusText", "justext"), ("trafilatura", "trafilatura")):
        if importlib.util.find_spec(module) is None:
            print(f"{name} is not importable here: the benchmark must say it skipped it")
            assert f"{name} skipped: module {module!r} is not importable" in out, out
        else:
            expected.append(name)
    for name in expected:
        assert len(re.findall(rf"^  {re.escape(name)} +(\d\.\d{{3}} +){{4}}\(", out, re.MULTILINE)) == 2, (name, out)  # a score row per page set
    for name in (n for n in expected if n != "keep everything"):
        assert len(re.findall(rf"^  {re.escape(name)} +\d+\.\d{{3}} \[", out, re.MULTILINE)) == 2, (name, out)  # a timing row per page set
    # keep everything keeps every line: on the tiny folder 6 of its 13 non-blank lines are content, so P 6/13, R 1
    assert re.search(r"^  keep everything +0\.462  1\.000  0\.632 ", out, re.MULTILINE), out
    if "trafilatura" in expected:
        assert re.search(r"^  ours +\d+\.\d{3} \[.*\| ours [\d.]+x trafilatura; [\d.]+x trafilatura$", out, re.MULTILINE), out
        fastest = re.findall(r"^  ours at its fastest with this model, were all its work but the trees free: the trees alone ([\d.]+) s "
                             r"\(([\d.]+) ms/page\) \+ what every tool's process pays ([\d.]+) s .* = ([\d.]+) s, [\d.]+x trafilatura; "
                             r"with ours' setup ([\d.]+) s \(numpy's import [\d.]+ s of it\) ([\d.]+) s, [\d.]+x \(5x trafilatura: [\d.]+ s\)$", out, re.MULTILINE)
        assert len(fastest) == 2, out  # one per page set
        for trees, per_page, common, bare, setup, with_setup in (tuple(map(float, row)) for row in fastest):
            assert per_page > 0 and abs(trees + common - bare) <= 0.0015 and abs(bare + setup - with_setup) <= 0.0015


def test_a_missing_dev_set_is_named_and_the_seeds_still_run(tmp_path):
    run = subprocess.run(
        [sys.executable, str(BENCHMARK), "--skip-scale", "--rounds", "1", "--pages", str(tmp_path / "absent")],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert f"dev set skipped: {tmp_path / 'absent'} has no raw/ and gold/ folders" in run.stdout
    assert re.search(r"^line scores on seeds \(5 pages", run.stdout, re.MULTILINE), run.stdout


@pytest.mark.parametrize("option, message", [
    ("--cv-train", "cross-validation skipped: {folder} is not a folder of labelled pages"),
    ("--compare-settings", "settings comparison skipped: {folder} and --pages must be folders of labelled pages"),
    ("--cv-pages", "cross-validation on the pages skipped: {folder} and --pages must be folders of labelled pages"),
])
def test_a_missing_training_folder_is_skipped_with_the_reason(tmp_path, option, message):
    """A user's clone has no ../shared/boilerplate/train: the README's --cv-train and --compare-settings commands
    say so and exit 0."""
    run = subprocess.run(
        [sys.executable, str(BENCHMARK), "--skip-scale", "--skip-cleaners", option, str(tmp_path / "absent")],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert message.format(folder=tmp_path / "absent") in run.stdout
    assert "Traceback" not in run.stderr


def test_cross_validation_of_the_training_runs_with_outer_folds_apart_from_the_inner(tmp_path, capsys):
    benchmark = import_benchmark()
    benchmark.cross_validate(write_pages(tmp_path / "pages", 60), 3)
    out = capsys.readouterr().out
    assert re.search(r"^  pooled:   60 pages +P [\d.]+  R [\d.]+  F1 [\d.]+", out, re.MULTILINE), out
    assert len(re.findall(r"^  fold \d:", out, re.MULTILINE)) == 3


def test_cross_validation_of_pages_also_trained_on_another_folder(tmp_path, capsys):
    benchmark = import_benchmark()
    benchmark.cross_validate(write_pages(tmp_path / "pages", 30), 3, also_train_on=write_pages(tmp_path / "more", 40, seed=1), only_folds=[0, 2])
    out = capsys.readouterr().out
    assert "each fold also trained on the 40 pages of" in out
    assert [int(k) for k in re.findall(r"^  fold (\d):", out, re.MULTILINE)] == [0, 2]
    assert re.search(r"^  pooled: +\d+ pages +P [\d.]+  R [\d.]+  F1 [\d.]+", out, re.MULTILINE), out


def test_the_settings_comparison_prints_one_row_per_setting_and_marks_the_packaged_one(tmp_path, capsys, monkeypatch):
    from detente.lines.train import TrainingSettings

    benchmark = import_benchmark()
    default = TrainingSettings()
    monkeypatch.setattr(benchmark, "SETTINGS_GRID", ((5, 7, 0.2), (default.rounds, default.params["num_leaves"], default.params["learning_rate"])))
    pages = write_pages(tmp_path / "pages", 60)
    benchmark.compare_settings(pages, pages)
    rows = re.findall(r"^ +(\d+) +(\d+) +([\d.]+) \| ([01]\.\d{4}) \((0\.\d\d)\) +\| ([01]\.\d{4}) +\| ([01]\.\d{4}) \((0\.\d\d)\) +\| \d+(.*)$", capsys.readouterr().out, re.MULTILINE)
    assert [row[:3] for row in rows] == [("5", "7", "0.2"), (str(default.rounds), "31", str(default.params["learning_rate"]))]
    assert [row[-1] for row in rows] == ["", " <- packaged"]

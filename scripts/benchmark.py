#!/usr/bin/env python3
"""Benchmark the scale pipeline end to end, and the cleaner against other line cleaners. Prints figures; asserts nothing.

    .venv/bin/python scripts/benchmark.py                                  # both sections; N = 1k, 10k, 100k; 2 workers
    .venv/bin/python scripts/benchmark.py --skip-scale --rounds 1          # the cleaners only
    .venv/bin/python scripts/benchmark.py --skip-cleaners --n 10000 --engine datatrove
    .venv/bin/python scripts/benchmark.py --skip-cleaners --n 10000 --input-format jsonl
    .venv/bin/python scripts/benchmark.py --skip-scale --cv-train ../shared/boilerplate/train   # + cross-validation (slow; maintainers' folder, skipped with a note when absent)
    .venv/bin/python scripts/benchmark.py --skip-scale --skip-cleaners --cv-pages ../shared/boilerplate/train   # dev by site, each fold trained on train/ + the other dev folds (slow)
    .venv/bin/python scripts/benchmark.py --skip-scale --skip-cleaners --compare-settings ../shared/boilerplate/train   # training settings only (slow; skipped with a note when absent)

It prints, in this order:

1. `machine:` and `run:` lines: cores, Python, the versions of the packages that matter, the arguments.
2. Scale (unless --skip-scale), for each N of --n: a synthetic crawl of N articles shaped like the five seed pages
   (REPO/raw/*.txt; each line's category from the current release's gold, annotated/<version>/lines/*.jsonl; body
   sentences, titles and boilerplate/metadata lines recombined by a seeded RNG; one .txt file per article, or .jsonl
   files of 1,000; one article in --bad-every broken to exercise the rejects path), run through `detente.scale.local.run_local`
   (or datatrove) in a fresh process. For each N: documents, lines, rejects, shards, MB written; articles/s and MB/s of
   the pipeline and of the whole process; the workers' CPU per article; the machine's load average; the peak of the
   summed RSS (and PSS) of the process tree (psutil: RSS sampled every 50 ms, PSS every 2 s and at a new RSS peak,
   at most every 0.5 s; the sampler's own CPU is printed; without psutil, getrusage's largest single process).
   Then `targets:` lines for 100k articles in < 120 s and peak memory at 100k <= 1.5x that at 1k.
3. Cleaners (unless --skip-cleaners), for each page set: the dev set (--pages, default ../shared/boilerplate/dev, a
   folder of raw/<id>.txt + gold/<id>.tsv; a line says so when it is missing) and the five seeds with the current
   release's reviewed gold. Tools: ours (`detente.pipeline.clean.clean_text`, content = class "content"), old rules (the 0.1.0-
   0.3.0 rule-based decision, detente.bench.rules_baseline), jusText (one <p> per non-blank line; a line is kept when
   the non-boilerplate paragraph made from it is), trafilatura (extract() on one <p> per non-blank line; a line is kept
   when its whitespace-normalised text is an output line) and keep everything (the floor). A tool that cannot be
   imported is left out with the reason. Printed per page set:
   - a table of line-level P/R/F1 (micro) and macro F1, on all non-blank lines and without title lines
     (`detente.bench.lines_score.score_lines`; positive class = content);
   - whole-process throughput: for each tool (not keep everything) a fresh child process imports the tool, reads the
     pages, processes them all and exits; --rounds interleaved rounds; per tool the median [range] of the wall time
     from spawn to exit (imports and model loading count), pages/s and ms/page on it, the child's own setup seconds
     (imports, model loading) and in-process processing ms/page (timed after the pages are read and prepared), and
     the speed relative to trafilatura's on both ("ours 3.1x trafilatura": trafilatura's time / the tool's); then
     how fast ours could be with this model were all its work but the trees free (the packaged model's trees alone on
     the pages, timed in this process after each round's ours child, plus what every tool's child pays besides its
     setup and work: interpreter start, the benchmark's imports, reading the pages, exit), with and without ours' setup.
4. With --cv-train DIR: k-fold cross-validation by site (`detente.lines.train.fold_of`) of the line model's training
   procedure on that folder: micro P/R/F1 per held-out fold and pooled over all folds (trains k models of three members, ~6 min each).
   With --cv-pages TRAIN_DIR: the same on --pages, each fold's model trained on TRAIN_DIR and the other folds' pages
   (how a model trained on ../shared/boilerplate/train and dev together would be measured on dev; a held-out
   page's site may also have pages in TRAIN_DIR).
5. With --compare-settings DIR: the line model trained on DIR with each training setting of SETTINGS_GRID (rounds,
   leaves, learning rate): the F1 of held-out sites on DIR's article pages (how the packaged setting was chosen,
   without dev labels) and the F1 on --pages, at that threshold and at the pages' own best threshold.

No network. Needs the `bench` extra (trafilatura, justext, psutil) for every row.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detente.bench.lines_score import GoldPage, ScoreView

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "raw"  # the five seed pages (byte-identical copies of ../shared/seeds)
# The current release; read from version.py, not imported (a tool's timing child must import only that tool)
_VERSION = re.search(r'DATASET_VERSION = "([^"]+)"', (REPO / "scripts" / "detente" / "version.py").read_text(encoding="utf-8"))
assert _VERSION is not None, "scripts/detente/version.py has no DATASET_VERSION"
DATASET_VERSION = _VERSION.group(1)
RELEASE = REPO / "annotated" / DATASET_VERSION
GOLD_LINES = RELEASE / "lines"
DEV_PAGES = REPO.parent / "shared" / "boilerplate" / "dev"
SENTENCE_END = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])")
TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")


# ---------------------------------------------------------------------------------------------------------
# Synthetic crawl
# ---------------------------------------------------------------------------------------------------------

def pieces(text: str) -> list[str]:
    """A page's lines as the cleaner splits them (detente.pipeline.corpus.line_pieces): on "\\n" only, a final one ends the last line."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return lines


def gold_categories(gold_lines: Path) -> dict[str, list[str]]:
    """doc_id -> the gold category of each of its lines, in line order."""
    from detente.io import iter_jsonl

    by_doc: dict[str, dict[int, str]] = {}
    for path in sorted(gold_lines.glob("*.jsonl")):
        for _, record in iter_jsonl(path):
            by_doc.setdefault(record["doc_id"], {})[record["line"]] = record["category"]
    return {doc_id: [lines[n] for n in sorted(lines)] for doc_id, lines in by_doc.items()}


class CorpusGenerator:
    """Pages with a seed page's line structure; every line redrawn from the pools of its gold category."""

    def __init__(self, raw_dir: Path, gold_lines: Path, seed: int) -> None:
        self.rng = random.Random(seed)
        self.templates: list[list[tuple[str, str]]] = []  # (category, text) per line
        self.pools: dict[str, list[str]] = {}
        self.sentences: list[str] = []
        categories = gold_categories(gold_lines)
        for path in sorted(raw_dir.glob("*.txt")):
            lines = pieces(path.read_text(encoding="utf-8"))
            if len(categories.get(path.stem, [])) != len(lines):
                raise SystemExit(f"{path}: {len(lines)} lines, but {gold_lines} labels {len(categories.get(path.stem, []))}")
            template = list(zip(categories[path.stem], lines))
            self.templates.append(template)
            for category, line in template:
                self.pools.setdefault(category, []).append(line)
                if category == "body":
                    self.sentences += [s for s in SENTENCE_END.split(line.strip()) if s]
        self.title_words = [line.split() for line in self.pools.get("title", [])]

    def _title(self) -> str:
        first, second = self.rng.choice(self.title_words), self.rng.choice(self.title_words)
        cut = self.rng.randint(2, max(2, len(first) - 2))
        words = (first[:cut] + second[self.rng.randint(1, max(1, len(second) // 2)):])[:25]
        while len(words) < 6:
            words.append(self.rng.choice(self.rng.choice(self.title_words)))
        return TERMINAL.sub("", " ".join(words))

    def _body(self, original: str) -> str:
        count = max(1, min(5, len(SENTENCE_END.split(original.strip())) + self.rng.randint(-1, 1)))
        return " ".join(self.rng.choice(self.sentences) for _ in range(count))

    def article(self) -> str:
        lines = []
        for category, text in self.rng.choice(self.templates):
            if category == "whitespace":
                lines.append(text)
            elif category == "body":
                lines.append(self._body(text))
            elif category == "title":
                lines.append(self._title())
            else:
                lines.append(self.rng.choice(self.pools[category]))
        return "\n".join(lines) + "\n"


def write_corpus(root: Path, n: int, seed: int, bad_every: int, input_format: str = "txt") -> int:
    """N articles as root/<i // 1000>/<i>.txt, or as root/<i // 1000>.jsonl with one {"text": ...} per line;
    returns the byte total. Article i is the same for every N. Every bad_every-th article is broken: a cp1252
    byte in a .txt file, a truncated JSON line in a .jsonl file."""
    generator = CorpusGenerator(RAW, GOLD_LINES, seed)
    total = 0
    jsonl = None
    for i in range(n):
        text = generator.article()
        bad = bool(bad_every) and i % bad_every == bad_every - 1
        if input_format == "jsonl":
            if i % 1000 == 0:
                if jsonl is not None:
                    jsonl.close()
                root.mkdir(parents=True, exist_ok=True)
                jsonl = open(root / f"{i // 1000:05d}.jsonl", "wb")
            line = json.dumps({"id": i, "text": text}, ensure_ascii=False).encode("utf-8")
            data = (line[: len(line) // 2] if bad else line) + b"\n"
            assert jsonl is not None
            jsonl.write(data)
        else:
            data = text.encode("utf-8")
            if bad:
                data = data.replace("’".encode(), b"\x92", 1) if "’".encode() in data else data + b"\x92\n"  # cp1252 quote
            path = root / f"{i // 1000:05d}" / f"{i:08d}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        total += len(data)
    if jsonl is not None:
        jsonl.close()
    return total


# ---------------------------------------------------------------------------------------------------------
# End to end, in a fresh process, with the memory of the whole process tree
# ---------------------------------------------------------------------------------------------------------

def run_pipeline_child(corpus: str, out: str, workers: int, shard_size: int, engine: str) -> None:
    if engine == "datatrove":
        from detente.scale.datatrove import run_datatrove

        summary = run_datatrove(corpus, out, workers, shard_size, logging_dir=f"{out}.logs")
    else:
        from detente.scale.local import run_local

        summary = run_local(corpus, out, workers, shard_size)
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"articles": summary.articles, "documents": summary.documents, "lines": summary.lines,
                      "rejects": summary.rejects, "shards": summary.shards, "raw_bytes": summary.raw_bytes,
                      "seconds": summary.seconds, "cpu_seconds": summary.cpu_seconds, "driver_maxrss_mb": self_rss}))


def measure_pipeline(corpus: Path, out: Path, workers: int, shard_size: int, engine: str) -> dict[str, Any]:
    try:
        import psutil
    except ImportError:
        psutil = None
    command = [sys.executable, __file__, "_run", str(corpus), str(out), str(workers), str(shard_size), engine]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    # datatrove logs every task to stderr: keep it out of the figures
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL if engine == "datatrove" else None, text=True)
    peak = {"rss": 0.0, "pss": 0.0, "procs": 0, "cpu": 0.0, "pss_samples": 0}
    done = threading.Event()

    def sample() -> None:
        # RSS every 50 ms (cheap: /proc/<pid>/statm); PSS, which walks each process's page tables, every 2 s and
        # when RSS reaches a new peak, at most every 0.5 s (at 20 ms for both, the sampler itself took ~40% of a core from the 2
        # the pipeline is timed on)
        if psutil is None:
            return
        proc = psutil.Process(child.pid)
        rounds, last_pss = 0, -1.0
        while not done.is_set():
            try:
                tree = [proc, *proc.children(recursive=True)]
                rss = 0
                for p in tree:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                now = time.perf_counter()
                if rounds % 40 == 0 or (rss / 2**20 > peak["rss"] and now - last_pss >= 0.5):
                    pss, last_pss = 0, now
                    for p in tree:
                        try:
                            pss += p.memory_full_info().pss  # shared library pages counted once, not per process
                        except psutil.Error:
                            pass
                    peak["pss"] = max(peak["pss"], pss / 2**20)
                    peak["pss_samples"] += 1
                peak["rss"] = max(peak["rss"], rss / 2**20)
                peak["procs"] = max(peak["procs"], len(tree))
            except psutil.Error:
                pass
            rounds += 1
            time.sleep(0.05)
        peak["cpu"] = time.thread_time()

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = child.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"pipeline run failed with status {child.returncode}")
    result = json.loads(stdout.strip().split("\n")[-1])
    result["wall_seconds"] = wall
    result["load"] = (load_before, os.getloadavg()[0])
    if psutil is not None:
        result["peak_mb"], result["peak_method"] = peak["rss"], f"sum of RSS over the process tree, max {peak['procs']} processes"
        result["peak_pss_mb"], result["pss_samples"] = peak["pss"], peak["pss_samples"]
        result["sampler_cpu_seconds"] = peak["cpu"]
    else:
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        result["peak_mb"], result["peak_method"] = children, "getrusage: largest single process (psutil not installed)"
    result["out_mb"] = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    return result


# ---------------------------------------------------------------------------------------------------------
# Cleaners: the same pages through each tool; line-level scores, then whole-process throughput
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tool:
    """A line cleaner as the benchmark drives it: `prepare` makes its input from a page's text (untimed), `run` is
    the work timed, `kept` turns run's output into one keep flag per line of the page."""

    name: str
    prepare: Callable[[str], Any]
    run: Callable[[Any], Any]
    kept: Callable[[list[str], Any], list[bool]]


TOOL_NAMES = ("ours", "old rules", "jusText", "trafilatura", "keep everything")
TIMED_TOOLS = TOOL_NAMES[:-1]  # keep everything does no work worth timing
TOOL_MODULES = {"jusText": "justext", "trafilatura": "trafilatura"}  # the optional ones (the `bench` extra)


def as_html(text: str) -> str:
    """The fairest input an HTML extractor allows for page text: one <p> per non-blank line, nothing else."""
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in pieces(text) if line.strip())
    return f'<html><head><meta charset="utf-8"></head><body>\n{paragraphs}\n</body></html>'


def normalised(line: str) -> str:
    """A line as an extractor prints it: whitespace collapsed, a leading bullet marker dropped."""
    return " ".join(re.sub(r"^[•·▪●*-]\s+", "", line.strip()).split())


def kept_in_extracted_text(lines: list[str], extracted: str | None) -> list[bool]:
    """trafilatura: a non-blank line is kept when its normalised text is one of the extracted text's lines."""
    found = {normalised(line) for line in (extracted or "").split("\n")}
    return [bool(line.strip()) and normalised(line) in found for line in lines]


def kept_paragraphs(lines: list[str], paragraphs: list[Any]) -> list[bool]:
    """jusText: each paragraph's verdict on the next line (in page order) whose whitespace-collapsed text it is."""
    flat = [" ".join(line.split()) for line in lines]
    kept = [False] * len(lines)
    at = 0
    for paragraph in paragraphs:
        match = next((k for k in range(at, len(lines)) if flat[k] and flat[k] == paragraph.text), None)
        if match is not None:
            kept[match], at = not paragraph.is_boilerplate, match + 1
    return kept


def load_tool(name: str) -> Tool:
    """The tool, its modules imported and anything it loads once (the line model, a stoplist) loaded."""
    if name == "ours":
        from detente.lines.model import default_model
        from detente.pipeline.clean import clean_text

        default_model()
        return Tool(name, lambda text: text, clean_text, lambda lines, doc: [label.line_class == "content" for label in doc.labels])
    if name == "old rules":
        from detente.bench.rules_baseline import rules_content

        return Tool(name, pieces, rules_content, lambda lines, flags: flags)
    if name == "jusText":
        import justext

        stoplist = justext.get_stoplist("English")
        return Tool(name, as_html, lambda page: justext.justext(page, stoplist), kept_paragraphs)
    if name == "trafilatura":
        import trafilatura

        return Tool(name, as_html, trafilatura.extract, kept_in_extracted_text)
    if name == "keep everything":
        return Tool(name, pieces, lambda lines: [True] * len(lines), lambda lines, flags: flags)
    raise ValueError(f"unknown tool {name!r}")


def available_tools() -> tuple[list[str], list[str]]:
    """(the tools that can run here, a note for each one that cannot)."""
    names, notes = [], []
    for name in TOOL_NAMES:
        module = TOOL_MODULES.get(name)
        if module and importlib.util.find_spec(module) is None:
            notes.append(f"{name} skipped: module {module!r} is not importable (install the `bench` extra)")
        else:
            names.append(name)
    return names, notes


def page_text(lines: tuple[str, ...] | list[str]) -> str:
    return "\n".join(lines) + "\n" if lines else ""


def predictions(tool: Tool, gold: dict[str, GoldPage]) -> dict[str, list[int]]:
    """One 0/1 per line of every gold page: 1 = the tool keeps the line."""
    found = {}
    for page_id, page in gold.items():
        lines = list(page.lines)
        found[page_id] = [int(flag) for flag in tool.kept(lines, tool.run(tool.prepare(page_text(lines))))]
    return found


@dataclass(frozen=True)
class PageSet:
    name: str
    gold: dict[str, GoldPage]
    folder: Path  # where a timing child reads the pages: folder/raw/*.txt, else folder/*.txt
    source: str  # what the gold is


def page_sets(pages: Path | None) -> tuple[list[PageSet], list[str]]:
    """The dev set (when `pages` is a folder) and the seeds with the current release's gold; notes on what was skipped."""
    from detente.bench.lines_score import gold_from_pages_folder, gold_from_release

    sets, notes = [], []
    if pages is None:
        notes.append(f"dev set skipped: no --pages given and {DEV_PAGES} does not exist")
    elif not (pages / "raw").is_dir() or not (pages / "gold").is_dir():
        notes.append(f"dev set skipped: {pages} has no raw/ and gold/ folders")
    else:
        sets.append(PageSet(pages.name, gold_from_pages_folder(pages), pages, f"{pages}/gold/*.tsv"))
    sets.append(PageSet("seeds", gold_from_release(RELEASE), RAW, f"release {DATASET_VERSION} reviewed gold"))
    return sets, notes


def score_row(name: str, all_lines: ScoreView, without_title: ScoreView) -> str:
    cells = []
    for view in (all_lines, without_title):
        m = view.micro
        cells.append(f"{m.precision:6.3f} {m.recall:6.3f} {m.f1:6.3f} {view.macro_f1:8.3f}  ({m.tp:>5} {m.fp:>5} {m.fn:>5})")
    return f"  {name:<16}" + " | ".join(cells)


def print_scores(page_set: PageSet, tools: list[Tool]) -> None:
    """The score table of one page set: micro P/R/F1 and macro F1 of every tool, with and without title lines."""
    from detente.bench.lines_score import score_lines

    gold = page_set.gold
    first = score_lines(gold, {})
    titles = first.all_lines.lines - first.without_title.lines
    print(f"\nline scores on {page_set.name} ({len(gold)} pages, {first.all_lines.lines:,} non-blank lines, {titles} title lines; "
          f"gold: {page_set.source}; positive = content):")
    header = f"{'P':>6} {'R':>6} {'F1':>6} {'macro F1':>8}  ({'TP':>5} {'FP':>5} {'FN':>5})"
    print(f"  {'':<16}{'all non-blank lines':<{len(header)}} | without title lines")
    print(f"  {'tool':<16}{header} | {header}")
    for tool in tools:
        scores = score_lines(gold, predictions(tool, gold))
        print(score_row(tool.name, scores.all_lines, scores.without_title))
    print("  (micro P/R/F1 pool all lines of all pages; macro F1 is the mean of per-page F1 over pages with some gold or predicted content)")


def page_texts(raw_dir: Path) -> list[str]:
    return [path.read_bytes().decode("utf-8", errors="replace") for path in sorted(raw_dir.glob("*.txt"))]


def trees_alone_seconds(pages: list[str]) -> float:
    """The packaged line model's trees alone on these pages, as clean_text calls them: each page's rows computed
    first (untimed), then every member's first and second stage timed. The cleaner can be no faster than this."""
    import numpy as np

    from detente.lines.features import context_rows, page_features_and_words
    from detente.lines.model import default_model
    from detente.rawtext import BOM, line_pieces

    model = default_model()
    rows = []
    for text in pages:
        features, _, words = page_features_and_words([piece.strip() for piece in line_pieces(text.removeprefix(BOM))])
        if len(features):
            rows.append((features, context_rows(features, np.stack([member.stage1.predict(features) for member in model.members]), words)))
    started = time.perf_counter()
    for features, second in rows:
        for member, member_rows in zip(model.members, second):
            member.stage1.predict(features)
            member.stage2.predict(member_rows)
    return time.perf_counter() - started


def tool_child(name: str, folder: Path) -> None:
    """In a fresh process: load the tool, read and prepare the pages, process them all; print the timings as JSON
    (for ours, also how long numpy's import took, within the setup)."""
    started = time.perf_counter()
    numpy_seconds = None
    if name == "ours":
        import numpy  # noqa: F401  (timed apart: part of ours' setup that no per-page work can remove)

        numpy_seconds = time.perf_counter() - started
    tool = load_tool(name)
    setup = time.perf_counter() - started
    raw_dir = folder / "raw" if (folder / "raw").is_dir() else folder
    inputs = [tool.prepare(text) for text in page_texts(raw_dir)]
    started = time.perf_counter()
    for page in inputs:
        tool.run(page)
    figures = {"pages": len(inputs), "setup_seconds": setup, "process_seconds": time.perf_counter() - started}
    print(json.dumps(figures if numpy_seconds is None else figures | {"numpy_seconds": numpy_seconds}))


def time_tool(name: str, folder: Path) -> dict[str, float]:
    """One whole-process run of a tool: wall seconds from spawn to exit, plus what the child measured itself."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "_tool", name, str(folder)], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"the {name} timing child failed with status {out.returncode}:\n{out.stderr}")
    figures = json.loads(out.stdout.strip().split("\n")[-1])
    return {**figures, "wall_seconds": wall}


def median_range(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def with_range(figures: tuple[float, float, float], scale: float = 1.0) -> str:
    median, low, high = (scale * figure for figure in figures)
    return f"{median:.3f} [{low:.3f}–{high:.3f}]"


def relative(seconds: float, reference: float | None) -> str:
    return f"{reference / seconds:.1f}x trafilatura" if reference else "n/a"


def print_throughput(page_set: PageSet, names: list[str], rounds: int) -> None:
    """Each tool in a fresh process per round, the tools interleaved, so a change in the machine's load falls on all."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    texts = page_texts(page_set.folder / "raw" if (page_set.folder / "raw").is_dir() else page_set.folder) if "ours" in names else []
    for _ in range(rounds):
        for name in names:
            runs[name].append(time_tool(name, page_set.folder))
            if name == "ours":  # here, not in the timed child: it would add to ours' whole-process time
                runs[name][-1]["trees_seconds"] = trees_alone_seconds(texts)
    pages = int(runs[names[0]][0]["pages"]) if names else 0
    wall = {name: median_range([r["wall_seconds"] for r in runs[name]]) for name in names}
    work = {name: median_range([r["process_seconds"] for r in runs[name]]) for name in names}
    setup = {name: statistics.median([r["setup_seconds"] for r in runs[name]]) for name in names}
    print(f"\nthroughput on {page_set.name} ({pages} pages, read from {page_set.folder}): one fresh process per tool and round, "
          f"median of {rounds} interleaved round(s) [range]")
    print(f"  {'tool':<12} {'whole process s':>24} {'pages/s':>8} {'ms/page':>8} | {'setup s':>7} {'in-process ms/page':>24} | speed: whole process; in process")
    reference_wall = wall["trafilatura"][0] if "trafilatura" in wall else None
    reference_work = work["trafilatura"][0] if "trafilatura" in work else None
    for name in names:
        w, p = wall[name][0], work[name][0]
        print(f"  {name:<12} {with_range(wall[name]):>24} {pages / w:8.1f} {1000 * w / pages:8.2f} | {setup[name]:7.3f} "
              f"{with_range(work[name], 1000 / pages):>24} | {name} {relative(w, reference_wall)}; {relative(p, reference_work)}")
    print("  (whole process = spawn to exit: interpreter start, imports, model loading, reading the pages, processing; "
          "setup = the child's imports and one-time loading; in process = processing the prepared pages only)")
    if "ours" in runs and reference_wall:
        print_fastest_possible(runs["ours"], pages, reference_wall)


def print_fastest_possible(runs: list[dict[str, float]], pages: int, reference_wall: float) -> None:
    """How fast ours could be with this model were all its work but the trees free: the trees alone, plus what
    every tool's child pays (the whole process less the tool's setup and in-process work: interpreter start, the
    benchmark's own imports, reading the pages, exit); then also with ours' setup (imports, numpy's among them,
    and model loading). Against trafilatura's whole process."""
    trees = statistics.median(r["trees_seconds"] for r in runs)
    common = statistics.median(r["wall_seconds"] - r["process_seconds"] - r["setup_seconds"] for r in runs)
    setup = statistics.median(r["setup_seconds"] for r in runs)
    numpy_seconds = statistics.median(r["numpy_seconds"] for r in runs)
    bare, with_setup = common + trees, common + setup + trees
    print(f"  ours at its fastest with this model, were all its work but the trees free: the trees alone {trees:.3f} s "
          f"({1000 * trees / max(pages, 1):.2f} ms/page) + what every tool's process pays {common:.3f} s (interpreter start, "
          f"the benchmark's imports, reading the pages, exit) = {bare:.3f} s, {reference_wall / bare:.1f}x trafilatura; with ours' "
          f"setup {setup:.3f} s (numpy's import {numpy_seconds:.3f} s of it) {with_setup:.3f} s, {reference_wall / with_setup:.1f}x "
          f"(5x trafilatura: {reference_wall / 5:.3f} s)")


def threshold_cross_validation(folder: Path, folds: int = 5) -> None:
    """When the packaged model was trained on this folder, says so (its figures are in-sample). When its threshold
    was chosen on this folder (`train-cleaner --tune`), an honest figure chooses it on the other sites only: per fold (by site), the threshold with the best F1 on the other folds'
    pages is applied to the held-out pages, and the figures pool the held-out decisions."""
    import numpy as np

    from detente.bench.lines_score import gold_from_pages_folder, score_lines
    from detente.lines.model import default_model
    from detente.lines.pages import read_labelled_pages
    from detente.lines.train import best_threshold, data_digest, fold_of

    model = default_model()
    if not (folder / "raw").is_dir():
        return
    pages = read_labelled_pages(folder)
    digest = data_digest(pages)
    if any(source.get("sha256") == digest for source in model.training.get("data", [])):
        print("  ours was trained on these pages: its figures above are in-sample. Its out-of-sample figure is the cross-validation "
              "by site of `--skip-scale --skip-cleaners --cv-pages TRAIN_DIR` (each fold trained without its pages)")
        return
    if model.training.get("threshold_selection", {}).get("data", {}).get("sha256") != digest:
        return  # the threshold was not chosen on these pages: the plain figures above are already honest
    gold = gold_from_pages_folder(folder)
    probabilities = {page.page_id: model.content_probabilities([line.strip() for line in page.lines]) for page in pages}
    fold = {page.page_id: fold_of(page, folds) for page in pages}
    decided: dict[str, list[int]] = {}
    chosen = []
    for k in range(folds):
        others = [page for page in pages if fold[page.page_id] != k]
        y = np.concatenate([np.array(page.content)[~np.array(gold[page.page_id].blank)] for page in others])
        p = np.concatenate([probabilities[page.page_id][~np.array(gold[page.page_id].blank)] for page in others])
        threshold, _ = best_threshold(y, p)
        chosen.append(threshold)
        for page in pages:
            if fold[page.page_id] == k:
                decided[page.page_id] = (probabilities[page.page_id] >= threshold).astype(int).tolist()
    view = score_lines(gold, decided).all_lines
    print(f"  ours with the threshold chosen on the other sites ({folds} folds by site; thresholds {', '.join(f'{t:.2f}' for t in chosen)}; "
          f"packaged {model.threshold:.2f}): P {view.micro.precision:.3f}  R {view.micro.recall:.3f}  F1 {view.micro.f1:.3f}")


def print_line_feature_coverage(page_set: PageSet) -> None:
    """How many of the pages' non-blank lines the compiled line features take (the rest have characters the C
    leaves to Python)."""
    from detente.lines.features import native_features, native_line_row

    native = native_features()
    if native is None:
        print("  line features: all computed in Python (line_features.so is not built)")
        return
    lines = [line.strip() for page in page_set.gold.values() for line in page.lines if line.strip()]
    taken = sum(native_line_row(native, line) is not None for line in lines)
    print(f"  line features: C computed {taken:,} of {len(lines):,} non-blank lines ({taken / max(len(lines), 1):.1%}); Python the rest")


def cleaners_section(pages: Path | None, rounds: int) -> None:
    from detente.lines.features import line_features_backend
    from detente.lines.model import default_model
    from detente.pipeline.clean import cleaner_id

    names, notes = available_tools()
    print(f"\n== cleaners: ours = {cleaner_id()} (trees run by {default_model().predictor}; line features by {line_features_backend()}); "
          "old rules = detente-cleaner/1 (0.1.0–0.3.0); HTML extractors get one <p> per non-blank line")
    for note in notes:
        print(f"  {note}")
    sets, skipped = page_sets(pages)
    for note in skipped:
        print(f"  {note}")
    tools = [load_tool(name) for name in names]
    for page_set in sets:
        print_scores(page_set, tools)
        print_line_feature_coverage(page_set)
        threshold_cross_validation(page_set.folder)
        print_throughput(page_set, [name for name in names if name in TIMED_TOOLS], rounds)


# ---------------------------------------------------------------------------------------------------------
# Cross-validation by site of the line model's training procedure
# ---------------------------------------------------------------------------------------------------------

OUTER_FOLDS = "cross-validation:"  # salt: the outer folds differ from training's own (inner) folds


def cross_validate(folder: Path, folds: int, also_train_on: Path | None = None, only_folds: list[int] | None = None) -> None:
    """Train on all folds but one, score the held-out one; micro figures per fold and pooled over all folds. With
    `also_train_on`, every fold's model is trained on that folder's pages too (how a model trained on train/ and
    dev/ together is measured on dev/). `only_folds`: run just these folds (to split the work between processes)."""
    from detente.bench.lines_score import gold_from_pages_folder, score_lines
    from detente.lines.model import parse_model
    from detente.lines.pages import read_labelled_pages
    from detente.lines.train import TrainingSettings, fold_of, train_model

    pages = read_labelled_pages(folder)
    fixed = read_labelled_pages(also_train_on) if also_train_on else []
    gold = gold_from_pages_folder(folder)
    settings = TrainingSettings()
    print(f"\n== cross-validation by site on {folder}: {len(pages)} pages, {folds} folds"
          + (f", each fold also trained on the {len(fixed)} pages of {also_train_on}" if also_train_on else "")
          + f", TrainingSettings(seed={settings.seed}, members={settings.members}, rounds={settings.rounds}, params={settings.params}) as the packaged model, "
          "threshold chosen inside each fold's training data; micro figures on held-out pages")
    pooled: dict[str, list[int]] = {}
    for fold in range(folds) if only_folds is None else only_folds:
        held_out = [page for page in pages if fold_of(page, folds, salt=OUTER_FOLDS) == fold]
        training = fixed + [page for page in pages if fold_of(page, folds, salt=OUTER_FOLDS) != fold]
        if not held_out or not training:
            print(f"  fold {fold}: skipped ({len(held_out)} held-out pages, {len(training)} training pages)")
            continue
        started = time.perf_counter()
        model = parse_model(train_model(training, settings, sources=[]), "cv")
        predicted = {page.page_id: [int(flag) for flag in model.is_content([line.strip() for line in page.lines])] for page in held_out}
        pooled.update(predicted)
        view = score_lines({page_id: gold[page_id] for page_id in predicted}, predicted)
        sites = len({page.site or page.page_id for page in held_out})
        print(f"  fold {fold}: {len(held_out):>4} pages, {sites:>3} sites  " + cv_figures(view.all_lines)
              + f"  (threshold {model.threshold:.2f}, trained in {time.perf_counter() - started:.0f} s)", flush=True)
    if pooled:
        view = score_lines({page_id: gold[page_id] for page_id in pooled}, pooled)
        print(f"  pooled: {len(pooled):>4} pages             " + cv_figures(view.all_lines) + "; without title " + cv_figures(view.without_title))


# The training settings compared by --compare-settings: (rounds, leaves, learning rate). The packaged model's
# (TrainingSettings()) is the one with the best held-out-site F1 on the training data's article pages.
SETTINGS_GRID = ((100, 31, 0.15), (120, 31, 0.15), (150, 15, 0.12), (150, 31, 0.12), (200, 15, 0.1), (200, 31, 0.1), (300, 31, 0.07))


def compare_settings(train_dir: Path, dev_dir: Path) -> None:
    """Train with each setting of SETTINGS_GRID on train_dir as `detente train-cleaner` without --tune does (the
    threshold chosen on held-out sites of its article pages) and print that held-out F1, the selection criterion,
    which needs no dev labels; then the F1 on dev_dir at that threshold and at dev's own best threshold."""
    import numpy as np

    from detente.lines.model import parse_model
    from detente.lines.pages import read_labelled_pages
    from detente.lines.train import TrainingSettings, best_threshold, train_model
    from detente.scoring import PRF

    pages, dev = read_labelled_pages(train_dir), read_labelled_pages(dev_dir)
    y = np.concatenate([np.array(page.content, dtype=np.float64) for page in dev])
    default = TrainingSettings()
    print(f"\n== training settings on {train_dir} (seed {default.seed}, {default.members} members; threshold and F1 of held-out sites, on their article pages when the folder says which, "
          f"stage 2 cross-fitted) and their F1 on {dev_dir} ({len(dev)} pages)")
    print("  rounds leaves  rate | held-out F1 (threshold) | dev F1 at that threshold | dev F1 at dev's best (threshold) | s")
    for rounds, leaves, rate in SETTINGS_GRID:
        started = time.perf_counter()
        settings = TrainingSettings(rounds=rounds, params={**default.params, "num_leaves": leaves, "learning_rate": rate})
        model = parse_model(train_model(pages, settings, sources=[]), "settings")
        p = np.concatenate([model.content_probabilities([line.strip() for line in page.lines]) for page in dev])
        kept = p >= model.threshold
        at_train = PRF(int((kept & (y == 1)).sum()), int((kept & (y == 0)).sum()), int((~kept & (y == 1)).sum())).f1
        dev_threshold, dev_f1 = best_threshold(y, p)
        packaged = " <- packaged" if settings == default else ""
        print(f"  {rounds:>6} {leaves:>6} {rate:>5} | {model.training['threshold_selection']['f1']:.4f} ({model.threshold:.2f})"
              f"         | {at_train:.4f}                   | {dev_f1:.4f} ({dev_threshold:.2f})"
              f"                   | {time.perf_counter() - started:.0f}{packaged}")


def cv_figures(view: ScoreView) -> str:
    m = view.micro
    return f"P {m.precision:.3f}  R {m.recall:.3f}  F1 {m.f1:.3f} (tp {m.tp}, fp {m.fp}, fn {m.fn})"


# ---------------------------------------------------------------------------------------------------------

def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("detente", "pyarrow", "orjson", "fastjsonschema", "lightgbm", "numpy", "trafilatura", "justext", "psutil"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def print_pipeline_run(n: int, r: dict[str, Any], workers: int) -> None:
    print(
        f"N={n:,}: {r['documents']:,} documents, {r['lines']:,} lines, {r['rejects']} rejects, {r['shards']} shards, "
        f"{r['out_mb']:.1f} MB written\n"
        f"  pipeline {r['seconds']:.2f} s: {r['articles'] / r['seconds']:,.0f} articles/s, {r['raw_bytes'] / 1e6 / r['seconds']:.2f} MB/s\n"
        f"  end to end (process start to exit) {r['wall_seconds']:.2f} s: {r['articles'] / r['wall_seconds']:,.0f} articles/s, "
        f"{r['raw_bytes'] / 1e6 / r['wall_seconds']:.2f} MB/s\n"
        + (f"  workers' CPU {1000 * r['cpu_seconds'] / r['articles']:.2f} ms/article (CPU-bound wall on {workers} cores: "
           f"{r['cpu_seconds'] / workers:.1f} s); " if r["cpu_seconds"] else "  ")
        + f"machine load average {r['load'][0]:.1f} before, {r['load'][1]:.1f} after\n"
        f"  peak memory {r['peak_mb']:.0f} MB ({r['peak_method']})"
        + (f"; as PSS {r['peak_pss_mb']:.0f} MB ({r['pss_samples']} samples)" if "peak_pss_mb" in r else "")
        + f"; driver alone {r['driver_maxrss_mb']:.0f} MB"
        + (f"\n  (the benchmark's memory sampler used {r['sampler_cpu_seconds']:.1f} s of CPU on the same cores)" if "sampler_cpu_seconds" in r else "")
    )


def print_scale_targets(results: dict[int, dict[str, Any]], workers: int) -> None:
    print("\ntargets:")
    if 100_000 in results:
        r = results[100_000]
        print(f"  100k articles end to end < 120 s on {workers} workers: {r['wall_seconds']:.1f} s -> {'MET' if r['wall_seconds'] < 120 else 'MISSED'}")
    if 100_000 in results and 1_000 in results:
        ratio = results[100_000]["peak_mb"] / results[1_000]["peak_mb"]
        print(f"  peak memory at 100k <= 1.5x at 1k: {results[100_000]['peak_mb']:.0f} / {results[1_000]['peak_mb']:.0f} MB = {ratio:.2f}x "
              f"-> {'MET' if ratio <= 1.5 else 'MISSED'}")
        if "peak_pss_mb" in results[1_000]:
            pss = results[100_000]["peak_pss_mb"] / results[1_000]["peak_pss_mb"]
            print(f"    (as PSS: {results[100_000]['peak_pss_mb']:.0f} / {results[1_000]['peak_pss_mb']:.0f} MB = {pss:.2f}x)")
    if 100_000 not in results:
        print("  (none measured: both targets need N = 100,000, the memory one N = 1,000 too)")


def scale_section(args: argparse.Namespace, work: Path) -> None:
    from detente.lines.features import line_features_backend
    from detente.lines.model import default_model

    print(f"\n== scale: engine={args.engine}, workers={args.workers}, shard_size={args.shard_size}, seed={args.seed}, "
          f"bad_every={args.bad_every}, input_format={args.input_format}, line model trees run by {default_model().predictor}, line features by {line_features_backend()}")
    results = {}
    for n in args.n:
        corpus, out = work / f"corpus-{n}", work / f"out-{n}"
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        started = time.perf_counter()
        size = write_corpus(corpus, n, args.seed, args.bad_every, args.input_format)
        print(f"\nN={n:,}: generated {size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
        results[n] = measure_pipeline(corpus, out, args.workers, args.shard_size, args.engine)
        print_pipeline_run(n, results[n], args.workers)
        for path in (corpus, out, Path(f"{out}.logs")):
            shutil.rmtree(path, ignore_errors=True)
    print_scale_targets(results, args.workers)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    scale = parser.add_argument_group("scale")
    scale.add_argument("--n", type=int, nargs="+", default=[1_000, 10_000, 100_000], help="corpus sizes (default: 1000 10000 100000)")
    scale.add_argument("--workers", type=int, default=2)
    scale.add_argument("--engine", choices=["local", "datatrove"], default="local", help="datatrove: the scale-out path, on its local executor")
    scale.add_argument("--shard-size", type=int, default=1000)
    scale.add_argument("--seed", type=int, default=0)
    scale.add_argument("--bad-every", type=int, default=1000, help="break one article in this many (0: none)")
    scale.add_argument("--input-format", choices=["txt", "jsonl"], default="txt", help="one .txt file per article, or .jsonl files of 1,000 articles")
    scale.add_argument("--work-dir", help="where corpora and outputs go (default: a temporary folder, removed after)")
    scale.add_argument("--skip-scale", action="store_true", help="run only the cleaners section")
    cleaners = parser.add_argument_group("cleaners")
    cleaners.add_argument("--pages", type=Path, default=DEV_PAGES if DEV_PAGES.is_dir() else None,
                          help=f"a folder of labelled pages, raw/<id>.txt + gold/<id>.tsv (default: {DEV_PAGES}, if it exists)")
    cleaners.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the throughput timing (medians are reported)")
    cleaners.add_argument("--cv-train", type=Path, metavar="DIR", help="also cross-validate the line model's training by site on DIR (slow: trains k models)")
    cleaners.add_argument("--cv-folds", type=int, default=5, help="k of --cv-train and --cv-pages (default 5)")
    cleaners.add_argument("--cv-pages", type=Path, metavar="TRAIN_DIR",
                          help="also cross-validate by site on --pages, each fold's model trained on TRAIN_DIR and the other folds "
                          "(how a model trained on both would be measured on --pages; slow: trains k models)")
    cleaners.add_argument("--compare-settings", type=Path, metavar="DIR",
                          help="also train with each training setting of SETTINGS_GRID on DIR and score it on --pages (slow: ~10 min each)")
    cleaners.add_argument("--skip-cleaners", action="store_true", help="run only the scale section")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; {versions()}")
    print(f"run: dataset {DATASET_VERSION}, sections: {', '.join(s for s, skip in (('scale', args.skip_scale), ('cleaners', args.skip_cleaners)) if not skip) or 'none'}"
          + (f", cross-validation on {args.cv_train}" if args.cv_train else "")
          + (f", cross-validation on {args.pages} with {args.cv_pages}" if args.cv_pages else "")
          + (f", training settings on {args.compare_settings}" if args.compare_settings else ""))
    if not args.skip_scale:
        work = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="detente-bench-"))
        work.mkdir(parents=True, exist_ok=True)
        try:
            scale_section(args, work)
        finally:
            if not args.work_dir:
                shutil.rmtree(work, ignore_errors=True)
    if not args.skip_cleaners:
        cleaners_section(args.pages, args.rounds)
    if args.cv_train and not (args.cv_train / "raw").is_dir():
        # like the dev set: the training pages are a maintainers' folder (../shared/), absent from a user's clone
        print(f"\ncross-validation skipped: {args.cv_train} is not a folder of labelled pages (raw/ and gold/); "
              "only CI and maintainers have ../shared/boilerplate/train")
    elif args.cv_train:
        cross_validate(args.cv_train, args.cv_folds)
    if args.cv_pages and not ((args.cv_pages / "raw").is_dir() and args.pages and (args.pages / "raw").is_dir()):
        print(f"\ncross-validation on the pages skipped: {args.cv_pages} and --pages must be folders of labelled pages (raw/ and gold/); "
              "only CI and maintainers have ../shared/boilerplate")
    elif args.cv_pages:
        cross_validate(args.pages, args.cv_folds, also_train_on=args.cv_pages)
    if args.compare_settings and not ((args.compare_settings / "raw").is_dir() and args.pages and (args.pages / "raw").is_dir()):
        print(f"\nsettings comparison skipped: {args.compare_settings} and --pages must be folders of labelled pages (raw/ and gold/); "
              "only CI and maintainers have ../shared/boilerplate")
    elif args.compare_settings:
        compare_settings(args.compare_settings, args.pages)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_tool":  # _tool NAME DIR
        tool_child(sys.argv[2], Path(sys.argv[3]))
        raise SystemExit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "_run":  # _run CORPUS OUT WORKERS SHARD_SIZE ENGINE
        run_pipeline_child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
        raise SystemExit(0)
    raise SystemExit(main())

#!/usr/bin/env python3
"""Benchmark the scale pipeline end to end, and the cleaner against trafilatura. Prints figures; asserts nothing.

    .venv/bin/python scripts/benchmark.py                      # N = 1k, 10k, 100k; 2 workers
    .venv/bin/python scripts/benchmark.py --n 1000 --workers 2 --shard-size 1000 --compare-docs 1000
    .venv/bin/python scripts/benchmark.py --n 10000 --engine datatrove --skip-trafilatura
    .venv/bin/python scripts/benchmark.py --n 10000 --input-format jsonl --skip-trafilatura

For each N it writes a synthetic crawl of N articles shaped like the seed pages (their line structure, with
body sentences, titles and boilerplate/metadata lines recombined by a seeded RNG; one .txt file per
article, or .jsonl files of 1,000; one article in --bad-every is broken to exercise the rejects path), runs `detente.scale.run_local` on it in a fresh
process (clean, validate, write sharded Parquet + JSONL) and reports articles/s, MB/s and the peak of the
summed RSS of that process and its workers (psutil, sampled every 20 ms; without psutil: getrusage's
largest single process). Then, on the same articles, the cleaning throughput of ours (the installed build,
normally mypyc-compiled, and the pure-Python source) vs trafilatura (given each article as HTML, one <p> per
line): each timing in a fresh process, --rounds interleaved rounds, medians reported. Last, the line-level F1
of both on the gold line labels of the current release. No network. Needs the `bench` extra (trafilatura, psutil).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
# The current release's gold lines; read from version.py, not imported (the pure-Python child must import detente itself)
GOLD_LINES_VERSION = re.search(r'DATASET_VERSION = "([^"]+)"', (REPO / "scripts" / "detente" / "version.py").read_text(encoding="utf-8")).group(1)
GOLD_LINES = REPO / "annotated" / GOLD_LINES_VERSION / "lines"
RAW = REPO / "raw"
SENTENCE_END = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])")
TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")


# ---------------------------------------------------------------------------------------------------------
# Synthetic crawl
# ---------------------------------------------------------------------------------------------------------

class CorpusGenerator:
    """Pages with a seed page's line structure; every line redrawn from the pools of its category."""

    def __init__(self, seed_dir: Path, seed: int) -> None:
        from detente.clean import clean_text

        self.rng = random.Random(seed)
        self.templates: list[list[tuple[str, str]]] = []  # (category, text) per line
        self.pools: dict[str, list[str]] = {}
        self.sentences: list[str] = []
        for path in sorted(seed_dir.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            lines = text.split("\n")
            if text.endswith("\n"):
                lines.pop()
            labels = clean_text(text).labels
            template = [(label.category, line) for label, line in zip(labels, lines)]
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
    generator = CorpusGenerator(SEEDS, seed)
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
        from detente.scale_datatrove import run_datatrove

        summary = run_datatrove(corpus, out, workers, shard_size, logging_dir=f"{out}.logs")
    else:
        from detente.scale import run_local

        summary = run_local(corpus, out, workers, shard_size)
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"articles": summary.articles, "documents": summary.documents, "lines": summary.lines,
                      "rejects": summary.rejects, "shards": summary.shards, "raw_bytes": summary.raw_bytes,
                      "seconds": summary.seconds, "cpu_seconds": summary.cpu_seconds, "driver_maxrss_mb": self_rss}))


def measure_pipeline(corpus: Path, out: Path, workers: int, shard_size: int, engine: str) -> dict:
    try:
        import psutil
    except ImportError:
        psutil = None
    command = [sys.executable, __file__, "_run", str(corpus), str(out), str(workers), str(shard_size), engine]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    # datatrove logs every task to stderr: keep it out of the figures
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL if engine == "datatrove" else None, text=True)
    peak = {"rss": 0.0, "pss": 0.0, "procs": 0}
    done = threading.Event()

    def sample() -> None:
        if psutil is None:
            return
        proc = psutil.Process(child.pid)
        while not done.is_set():
            try:
                tree = [proc, *proc.children(recursive=True)]
                rss = pss = 0
                for p in tree:
                    try:
                        info = p.memory_full_info()  # pss: shared library pages counted once, not per process
                        rss, pss = rss + info.rss, pss + info.pss
                    except psutil.Error:
                        pass
                peak["rss"] = max(peak["rss"], rss / 2**20)
                peak["pss"] = max(peak["pss"], pss / 2**20)
                peak["procs"] = max(peak["procs"], len(tree))
            except psutil.Error:
                pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = child.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"pipeline run failed with status {child.returncode}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["wall_seconds"] = wall
    result["load"] = (load_before, os.getloadavg()[0])
    if psutil is not None:
        result["peak_mb"], result["peak_method"] = peak["rss"], f"sum of RSS over the process tree, max {peak['procs']} processes"
        result["peak_pss_mb"] = peak["pss"]
    else:
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        result["peak_mb"], result["peak_method"] = children, "getrusage: largest single process (psutil not installed)"
    result["out_mb"] = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    return result


# ---------------------------------------------------------------------------------------------------------
# Ours vs trafilatura: throughput on the same articles, line-level F1 on the gold
# ---------------------------------------------------------------------------------------------------------

def as_html(text: str) -> str:
    """The fairest input trafilatura allows for page text: one <p> per line, nothing else."""
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n") if line.strip())
    return f'<html><head><meta charset="utf-8"></head><body>\n{paragraphs}\n</body></html>'


def _sample(corpus: Path, limit: int) -> list[bytes]:
    """The first `limit` articles' bytes (a .jsonl line's "text" in UTF-8; broken lines left out)."""
    if not any(corpus.rglob("*.jsonl")):
        return [p.read_bytes() for p in sorted(corpus.rglob("*.txt"))[:limit]]
    articles = []
    for path in sorted(corpus.rglob("*.jsonl")):
        for line in path.read_bytes().splitlines():
            try:
                articles.append(json.loads(line)["text"].encode("utf-8"))
            except ValueError:
                continue
            if len(articles) == limit:
                return articles
    return articles


def clean_seconds(raws: list[bytes], reuse: bool = True) -> float:
    """Seconds for `detente.clean.clean_text` over the articles, one process, starting with an empty line cache;
    without `reuse` the cache is emptied before every article (no line of one page helps another)."""
    from detente.clean import clean_text, line_features
    from detente.corpus import decode
    from detente.errors import DetenteError

    line_features.cache_clear()
    started = time.perf_counter()
    for n, raw in enumerate(raws):
        if not reuse:
            line_features.cache_clear()
        try:
            clean_text(decode(raw, str(n)))
        except DetenteError:
            pass
    return time.perf_counter() - started


def trafilatura_seconds(pages: list[str], fast: bool) -> float:
    """Seconds for trafilatura.extract over the pages (HTML prepared beforehand), one process."""
    import trafilatura

    started = time.perf_counter()
    for page in pages:
        trafilatura.extract(page, fast=fast)
    return time.perf_counter() - started


def _child_seconds(*arguments: str, env: dict[str, str] | None = None) -> float:
    out = subprocess.run([sys.executable, __file__, *arguments], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def pure_python_clean_seconds(corpus: Path, limit: int) -> float:
    """clean_seconds with the pure-Python cleaner (a copy of the source without the mypyc build), in a child process."""
    from detente.native import pure_python_copy

    with tempfile.TemporaryDirectory(prefix="detente-pure-") as folder:
        scripts = pure_python_copy(Path(folder))
        return _child_seconds("_clean", str(corpus), str(limit), "pure", env={**os.environ, "PYTHONPATH": str(scripts)})


def throughput(corpus: Path, limit: int, rounds: int = 3) -> dict:
    """Seconds per tool over the same articles. Each timing runs in a fresh process, so that no tool runs in the
    garbage of another. The tools are interleaved for `rounds` rounds, so that a change in the machine's load
    falls on all of them. The figure of each tool is its median, and the range is kept."""
    import statistics

    from detente.native import is_compiled

    raws = _sample(corpus, limit)
    figures: dict = {"articles": len(raws), "mb": sum(len(r) for r in raws) / 1e6, "compiled": is_compiled(), "rounds": rounds}
    runs: dict[str, list[float]] = {"ours": [], "ours_no_reuse": [], "ours_pure_python": [], "trafilatura": [], "trafilatura_fast": []}
    for _ in range(rounds):
        runs["ours"].append(_child_seconds("_clean", str(corpus), str(limit), "installed"))
        runs["ours_no_reuse"].append(_child_seconds("_clean", str(corpus), str(limit), "installed", "noreuse"))
        if figures["compiled"]:
            runs["ours_pure_python"].append(pure_python_clean_seconds(corpus, limit))
        runs["trafilatura"].append(_child_seconds("_trafilatura", str(corpus), str(limit), "default"))
        runs["trafilatura_fast"].append(_child_seconds("_trafilatura", str(corpus), str(limit), "fast"))
    if not figures["compiled"]:
        runs["ours_pure_python"] = runs["ours"]
    for name, seconds in runs.items():
        figures[name] = statistics.median(seconds)
        figures[f"{name}_range"] = (min(seconds), max(seconds))
    ratios = [t / o for t, o in zip(runs["trafilatura"], runs["ours"])]
    figures["ratio_range"] = (min(ratios), max(ratios))
    return figures


def _norm(line: str) -> str:
    return " ".join(re.sub(r"^[•·▪●*-]\s+", "", line.strip()).split())


def gold_f1() -> dict:
    import trafilatura

    from detente.clean import clean_text

    gold: dict[str, list[dict]] = {}
    for path in sorted(GOLD_LINES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            gold.setdefault(record["doc_id"], []).append(record)
    variants = {"trafilatura": {}, "trafilatura_precision": {"favor_precision": True}, "trafilatura_recall": {"favor_recall": True}}
    counts = {name: {"tp": 0, "fp": 0, "fn": 0} for name in ("ours", *variants)}
    for doc_id, records in sorted(gold.items()):
        text = (RAW / f"{doc_id}.txt").read_text(encoding="utf-8")
        ours = {lb.line: lb.line_class == "content" for lb in clean_text(text).labels}
        kept = {"ours": ours}
        for name, options in variants.items():
            extracted = {_norm(line) for line in (trafilatura.extract(as_html(text), **options) or "").split("\n")}
            kept[name] = {r["line"]: _norm(r["text"]) in extracted for r in records}
        for record in records:
            if not record["text"].strip():
                continue  # whitespace lines are left out of scoring
            truth = record["class"] == "content"
            for name, predicted in kept.items():
                key = "tp" if truth and predicted[record["line"]] else "fp" if predicted[record["line"]] else "fn" if truth else None
                if key:
                    counts[name][key] += 1
    scores = {}
    for name, c in counts.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[name] = {"precision": precision, "recall": recall, "f1": f1, **c}
    scores["lines_scored"] = sum(1 for rs in gold.values() for r in rs if r["text"].strip())
    scores["documents"] = len(gold)
    return scores


# ---------------------------------------------------------------------------------------------------------

def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("detente", "pyarrow", "orjson", "fastjsonschema", "trafilatura", "psutil"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[1_000, 10_000, 100_000], help="corpus sizes (default: 1000 10000 100000)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engine", choices=["local", "datatrove"], default="local", help="datatrove: the scale-out path, on its local executor")
    parser.add_argument("--shard-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bad-every", type=int, default=1000, help="break one article in this many (0: none)")
    parser.add_argument("--input-format", choices=["txt", "jsonl"], default="txt", help="one .txt file per article, or .jsonl files of 1,000 articles")
    parser.add_argument("--compare-docs", type=int, default=1000, help="articles for the ours-vs-trafilatura throughput")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the ours-vs-trafilatura timing (medians are reported)")
    parser.add_argument("--work-dir", help="where corpora and outputs go (default: a temporary folder, removed after)")
    parser.add_argument("--skip-trafilatura", action="store_true")
    args = parser.parse_args(argv)

    work = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="detente-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; {versions()}")
    print(f"run: engine={args.engine}, workers={args.workers}, shard_size={args.shard_size}, seed={args.seed}, bad_every={args.bad_every}, "
          f"input_format={args.input_format}")
    results = {}
    try:
        for n in args.n:
            corpus, out = work / f"corpus-{n}", work / f"out-{n}"
            shutil.rmtree(corpus, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
            started = time.perf_counter()
            size = write_corpus(corpus, n, args.seed, args.bad_every, args.input_format)
            print(f"\nN={n:,}: generated {size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
            r = measure_pipeline(corpus, out, args.workers, args.shard_size, args.engine)
            results[n] = r
            print(
                f"N={n:,}: {r['documents']:,} documents, {r['lines']:,} lines, {r['rejects']} rejects, {r['shards']} shards, "
                f"{r['out_mb']:.1f} MB written\n"
                f"  pipeline {r['seconds']:.2f} s: {r['articles'] / r['seconds']:,.0f} articles/s, {r['raw_bytes'] / 1e6 / r['seconds']:.2f} MB/s\n"
                f"  end to end (process start to exit) {r['wall_seconds']:.2f} s: {r['articles'] / r['wall_seconds']:,.0f} articles/s, "
                f"{r['raw_bytes'] / 1e6 / r['wall_seconds']:.2f} MB/s\n"
                + (f"  workers' CPU {1000 * r['cpu_seconds'] / r['articles']:.2f} ms/article (CPU-bound wall on {args.workers} cores: "
                   f"{r['cpu_seconds'] / args.workers:.1f} s); " if r["cpu_seconds"] else "  ")
                + f"machine load average {r['load'][0]:.1f} before, {r['load'][1]:.1f} after\n"
                f"  peak memory {r['peak_mb']:.0f} MB ({r['peak_method']})"
                + (f"; as PSS {r['peak_pss_mb']:.0f} MB" if "peak_pss_mb" in r else "")
                + f"; driver alone {r['driver_maxrss_mb']:.0f} MB"
            )
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(f"{out}.logs", ignore_errors=True)
            if n != min(args.n):
                shutil.rmtree(corpus, ignore_errors=True)

        compare = figures = f1 = None
        if not args.skip_trafilatura:
            compare = work / f"corpus-{min(args.n)}"
            figures = throughput(compare, args.compare_docs, args.rounds)
            a, mb = figures["articles"], figures["mb"]
            print(f"\ncleaning throughput, one fresh process per timing, the same {a:,} synthetic articles ({mb:.1f} MB; trafilatura gets "
                  f"them as HTML); median of {figures['rounds']} interleaved rounds [range]:")
            labels = {"ours": "ours (mypyc build)" if figures["compiled"] else "ours (pure Python)", "ours_pure_python": "ours (pure Python)",
                      "ours_no_reuse": "ours, no line reuse", "trafilatura": "trafilatura", "trafilatura_fast": "trafilatura fast"}
            for name in ("ours", "ours_no_reuse", "ours_pure_python", "trafilatura", "trafilatura_fast"):
                if name == "ours_pure_python" and not figures["compiled"]:
                    continue
                low, high = figures[f"{name}_range"]
                print(f"  {labels[name]:<19} {figures[name]:7.3f} s [{low:.3f}–{high:.3f}]  {a / figures[name]:8,.0f} articles/s  "
                      f"{mb / figures[name]:6.2f} MB/s  ({1000 * figures[name] / a:.3f} ms/article)")
            f1 = gold_f1()
            print(f"\nline-level F1 on the gold ({f1['documents']} documents, {f1['lines_scored']} non-blank lines; kept = class content):")
            for name in ("ours", "trafilatura", "trafilatura_precision", "trafilatura_recall"):
                s = f1[name]
                print(f"  {name:<21} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}  (tp {s['tp']}, fp {s['fp']}, fn {s['fn']})")
        shutil.rmtree(work / f"corpus-{min(args.n)}", ignore_errors=True)

        print("\ntargets:")
        if figures is not None and f1 is not None:
            ratio = figures["trafilatura"] / figures["ours"]
            better = f1["ours"]["f1"] > f1["trafilatura"]["f1"]
            print(f"  cleaning throughput >= 20x trafilatura's, higher F1: {ratio:.1f}x (per round {figures['ratio_range'][0]:.1f}–"
                  f"{figures['ratio_range'][1]:.1f}x; {labels['ours']}; pure Python "
                  f"{figures['trafilatura'] / figures['ours_pure_python']:.1f}x), F1 {f1['ours']['f1']:.3f} vs {f1['trafilatura']['f1']:.3f} "
                  f"-> {'MET' if ratio >= 20 and better else 'MISSED'}")
        if 100_000 in results:
            r = results[100_000]
            print(f"  100k articles end to end < 120 s on {args.workers} workers: {r['wall_seconds']:.1f} s -> {'MET' if r['wall_seconds'] < 120 else 'MISSED'}")
        if 100_000 in results and 1_000 in results:
            ratio = results[100_000]["peak_mb"] / results[1_000]["peak_mb"]
            print(f"  peak memory at 100k <= 1.5x at 1k: {results[100_000]['peak_mb']:.0f} / {results[1_000]['peak_mb']:.0f} MB = {ratio:.2f}x "
                  f"-> {'MET' if ratio <= 1.5 else 'MISSED'}")
            if "peak_pss_mb" in results[1_000]:
                pss = results[100_000]["peak_pss_mb"] / results[1_000]["peak_pss_mb"]
                print(f"    (as PSS: {results[100_000]['peak_pss_mb']:.0f} / {results[1_000]['peak_pss_mb']:.0f} MB = {pss:.2f}x)")
    finally:
        if not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_clean":  # _clean CORPUS LIMIT installed|pure [noreuse]
        if sys.argv[4] == "pure":
            # this script's folder holds the installed package: drop it so PYTHONPATH's pure-Python copy is imported
            sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]
            from detente.native import is_compiled

            if is_compiled():
                raise SystemExit("the pure-Python run imported the compiled cleaner")
        print(clean_seconds(_sample(Path(sys.argv[2]), int(sys.argv[3])), reuse=sys.argv[5:] != ["noreuse"]))
        raise SystemExit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "_trafilatura":  # _trafilatura CORPUS LIMIT default|fast
        pages = [as_html(raw.decode("utf-8", errors="replace")) for raw in _sample(Path(sys.argv[2]), int(sys.argv[3]))]
        print(trafilatura_seconds(pages, fast=sys.argv[4] == "fast"))
        raise SystemExit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "_run":
        run_pipeline_child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
        raise SystemExit(0)
    raise SystemExit(main())

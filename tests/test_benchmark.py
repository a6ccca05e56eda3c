"""scripts/benchmark.py still runs: a tiny crawl in each input format and engine, and the pure-Python timing child."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO

BENCHMARK = REPO / "scripts" / "benchmark.py"


@pytest.mark.parametrize(("input_format", "engine"), [("txt", "local"), ("jsonl", "local"), ("jsonl", "datatrove")])
def test_benchmark_runs_end_to_end_on_a_tiny_crawl(tmp_path, input_format, engine):
    if engine == "datatrove":
        pytest.importorskip("datatrove", reason="datatrove is not installed (the `scale` extra)")
    run = subprocess.run(
        [sys.executable, str(BENCHMARK), "--n", "60", "--shard-size", "25", "--bad-every", "20", "--skip-trafilatura",
         "--input-format", input_format, "--engine", engine, "--work-dir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    # 60 synthetic articles, every 20th broken: 57 cleaned, 3 rejected, in 3 shards of up to 25
    assert re.search(r"^N=60: 57 documents, [\d,]+ lines, 3 rejects, 3 shards", run.stdout, re.MULTILINE), run.stdout
    assert re.search(r"peak memory \d+ MB", run.stdout), run.stdout


def test_pure_python_timing_runs_the_source_not_the_compiled_build(tmp_path):
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import benchmark
    finally:
        sys.path.remove(str(REPO / "scripts"))
    benchmark.write_corpus(tmp_path / "crawl", 20, 0, 0)
    seconds = benchmark.pure_python_clean_seconds(tmp_path / "crawl", 20)  # the child exits non-zero if it got the compiled cleaner
    assert 0 < seconds < 60
    assert len(benchmark._sample(tmp_path / "crawl", 5)) == 5

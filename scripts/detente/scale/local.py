"""The one-machine engine of `detente scale`: shards cleaned by a process pool, written as Parquet + JSONL parts,
published in one rename (see core.py for the input and output forms)."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from detente.errors import InputError
from detente.io import staged_folder
from detente.scale.core import (
    ARROW_SCHEMAS,
    NO_ARTICLES,
    OUTPUTS,
    PARQUET_OPTIONS,
    REJECTS_FILE,
    ROW_GROUP_ARTICLES,
    PlanEntry,
    ShardResult,
    Summary,
    check_arguments,
    check_outside_input,
    iter_articles,
    jsonl_bytes,
    part_name,
    plan_shards,
    process_article,
    shard_reject,
)


class ShardWriter:
    """Part files of one shard, written a row group at a time so a worker never holds a whole shard."""

    def __init__(self, out_dir: Path, shard: int) -> None:
        self.out_dir, self.shard = out_dir, shard
        self.parquet: dict[str, pq.ParquetWriter] = {}
        self.jsonl: dict[str, BinaryIO] = {}

    def write(self, output: str, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        if output not in self.parquet:  # opened on the first record: a shard without rows has no part file
            base = self.out_dir / output / part_name(self.shard)
            self.parquet[output] = pq.ParquetWriter(f"{base}.parquet", ARROW_SCHEMAS[output], **PARQUET_OPTIONS)
            self.jsonl[output] = open(f"{base}.jsonl", "wb")
        self.parquet[output].write_table(pa.Table.from_pylist(records, schema=ARROW_SCHEMAS[output]))
        self.jsonl[output].write(jsonl_bytes(records))

    def close(self) -> None:
        for writer in self.parquet.values():
            writer.close()
        for handle in self.jsonl.values():
            handle.close()


def run_shard(task: tuple[int, str, list[PlanEntry], str]) -> ShardResult:
    """Worker: read, clean and validate one shard's articles, write its part files; return counts and rejects."""
    shard, input_dir, plan, out_dir = task
    cpu_started = time.process_time()
    writer = ShardWriter(Path(out_dir), shard)
    result = ShardResult(shard, 0, 0, 0, 0, [])
    documents: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal documents, lines
        writer.write("documents", documents)
        writer.write("lines", lines)
        result.documents += len(documents)
        result.lines += len(lines)
        documents, lines = [], []

    try:
        for article_input in iter_articles(Path(input_dir), plan):
            article = process_article(article_input)
            result.articles += 1
            result.raw_bytes += article.raw_bytes
            if article.reject is not None:
                result.rejects.append(shard_reject(article.reject, shard))
            else:
                assert article.document is not None
                documents.append(article.document)
                lines.extend(article.lines)
            if result.articles % ROW_GROUP_ARTICLES == 0:
                flush()
        flush()
    finally:
        writer.close()
    result.cpu_seconds = time.process_time() - cpu_started
    return result


def check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise InputError(str(out_dir), "output folder already exists and is not empty; choose a new one")


def run_local(inputs: Path | str, out_dir: Path | str, workers: int = 2, shard_size: int = 1000) -> Summary:
    """Clean every article under `inputs` into `out_dir` with `workers` processes; publish only a complete run.

    The output is staged beside out_dir and renamed into place at the end, so out_dir holds either nothing
    or every shard. Memory is bounded by the shards in flight (about 2 per worker), not by the corpus.
    """
    input_dir, out_dir = Path(inputs), Path(out_dir)
    check_arguments(input_dir, workers, shard_size)
    check_outside_input(input_dir, {"--out": out_dir})
    started = time.perf_counter()
    check_out_dir(out_dir)
    summary = Summary()
    with staged_folder(out_dir) as staging:  # out_dir is all or nothing
        for output in OUTPUTS:
            (staging / output).mkdir()
        tasks = ((k, str(input_dir), plan, str(staging)) for k, plan in enumerate(plan_shards(input_dir, shard_size)))
        with open(staging / REJECTS_FILE, "wb") as rejects_out:
            for result in _map_ordered(run_shard, tasks, workers):
                rejects_out.write(jsonl_bytes(result.rejects))
                summary.add(result)
        if summary.articles == 0:
            raise InputError(str(input_dir), NO_ARTICLES)
    summary.seconds = time.perf_counter() - started
    return summary


def _map_ordered(function: Callable[[Any], ShardResult], tasks: Iterator[Any], workers: int) -> Iterator[ShardResult]:
    if workers == 1:
        yield from map(function, tasks)
        return
    # forkserver: workers start from a clean interpreter (no copy of the driver's state, safe with threads).
    # imap keeps input order; the pool's task pipe blocks when full, so the shard plan is consumed lazily.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["detente.scale.local"])
    with context.Pool(workers) as pool:
        yield from pool.imap(function, tasks, chunksize=1)



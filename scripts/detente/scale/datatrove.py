"""Scale out: the same clean step as `detente.scale.core`, as datatrove pipeline steps (local, Slurm or Ray executor).

Mapping to the single-machine driver: the driver writes the shard plan (shard k = the same articles as
`detente.scale.core.plan_shards`) to LOGGING_DIR/shards.jsonl, one JSON list of plan entries per line, and runs one
datatrove task per shard. Task (rank) k reads line k, and its writers produce OUT/documents/part-<k>.parquet +
.jsonl and OUT/lines/part-<k>.*, with the same records as `run_local` (the JSONL bytes are identical; the
Parquet files hold the same rows, encoded by datatrove's writer). Each task writes its rejects to
OUT/rejects/part-<k>.jsonl; `finalize` concatenates them, in shard order, into OUT/rejects.jsonl, and
does so only when every task has left its completion marker (LOGGING_DIR/completions/<k>). Until then the
output is not a result: a failed or killed task can leave a partial part file, and re-running the same
pipeline with the same logging folder redoes exactly the incomplete tasks.

Requires the `scale` extra (datatrove). Cluster use (input, output and logging folders on storage every node
mounts at the same path):

    plan = write_plan(INPUT, LOGS, shard_size)            # on the submitting node
    tasks = count_shards(plan)
    main = SlurmPipelineExecutor(pipeline=build_pipeline(INPUT, OUT, plan), tasks=tasks, logging_dir=LOGS, ...)
    SlurmPipelineExecutor(pipeline=[FinalizeRun(OUT, LOGS, tasks)], tasks=1, depends=main, run_on_dependency_fail=True,
                          logging_dir=LOGS + "-finalize", ...).run()   # submits both; finalize runs after main
    # Ray: RayPipelineExecutor(pipeline=..., tasks=tasks, logging_dir=LOGS, ...).run(); finalize(OUT, LOGS, tasks)
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
from datatrove.data import Document, DocumentsPipeline
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers import JsonlWriter, ParquetWriter

from detente.errors import DetenteError, InputError
from detente.scale.core import (
    ARROW_SCHEMAS,
    NO_ARTICLES,
    OUTPUTS,
    PARQUET_OPTIONS,
    REJECTS_FILE,
    ArticleInput,
    ShardResult,
    Summary,
    check_arguments,
    check_outside_input,
    iter_articles,
    part_name,
    plan_shards,
    process_article,
    shard_reject,
)

PLAN_FILE = "shards.jsonl"
REJECTS_DIR = "rejects"


class IncompleteRunError(DetenteError):
    """Some datatrove tasks have no completion marker: the output must not be used."""


# ---------------------------------------------------------------------------------------------------------
# The shard plan: written once, read by every task
# ---------------------------------------------------------------------------------------------------------

def write_plan(input_dir: Path | str, logging_dir: Path | str, shard_size: int) -> Path:
    """Write LOGGING_DIR/shards.jsonl; refuse to change the plan of an interrupted run (its tasks would mismatch)."""
    check_outside_input(Path(input_dir), {"--logging-dir": Path(logging_dir)})  # also when a cluster driver calls this directly
    plan = Path(logging_dir) / PLAN_FILE
    data = b"".join(orjson.dumps(shard, option=orjson.OPT_APPEND_NEWLINE) for shard in plan_shards(Path(input_dir), shard_size))
    if not data:
        raise InputError(str(input_dir), NO_ARTICLES)
    if plan.exists() and plan.read_bytes() != data:
        raise InputError(str(plan), "the input or --shard-size changed since this logging folder was used; use a new logging folder")
    plan.parent.mkdir(parents=True, exist_ok=True)
    plan.write_bytes(data)
    return plan


def count_shards(plan: Path | str) -> int:
    with open(plan, "rb") as f:
        return sum(1 for _ in f)


def read_plan_shard(plan: Path | str, shard: int) -> list[Any]:
    with open(plan, "rb") as f:
        for k, line in enumerate(f):
            if k == shard:
                return orjson.loads(line)
    raise InputError(str(plan), f"has no shard {shard}")


# ---------------------------------------------------------------------------------------------------------
# Pipeline steps: reader -> clean/validate -> writers
# ---------------------------------------------------------------------------------------------------------

class ReadArticles(PipelineStep):
    """Rank k yields the articles of shard k, raw bytes in metadata (a read error becomes a reject downstream)."""

    name = "detente articles"
    type = "📖 - READER"

    def __init__(self, input_dir: str, plan: str) -> None:
        super().__init__()
        self.input_dir = input_dir
        self.plan = plan

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for article in iter_articles(Path(self.input_dir), read_plan_shard(self.plan, rank)):
            self.stat_update("articles")
            yield Document(text="", id=article.source, metadata={"raw": article.data, "read_error": article.read_error})


class CleanArticles(PipelineStep):
    """Clean and validate each article with detente.scale.core.process_article; its records ride in the metadata."""

    name = "detente clean + validate"
    type = "✂️ - CLEAN"

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data or ():
            with self.track_time():
                result = process_article(ArticleInput(doc.id, doc.metadata["raw"], doc.metadata["read_error"]))
            self.stat_update("rejects" if result.reject is not None else "documents")
            # one Document per article, not per record: datatrove's per-Document cost would triple the run time
            yield Document(text="", id=doc.id, metadata={
                "documents": [result.document] if result.document is not None else [],
                "lines": result.lines,
                REJECTS_DIR: [shard_reject(result.reject, rank)] if result.reject is not None else [],
            })


def _records(self: Any, document: Document) -> list[dict[str, Any]]:
    return document.metadata[self.output]


class _Records:
    """Mixin: a writer of one output (documents, lines or rejects), several records per Document."""

    output: str

    def write(self, document: Document, rank: int = 0, **kwargs: Any) -> None:
        if document.metadata[self.output]:  # nothing to write: don't open the part file
            super().write(document, rank, **kwargs)  # type: ignore[misc]

    def _write(self, records: list[dict[str, Any]], file_handler: Any, filename: str) -> None:
        for record in records:
            super()._write(record, file_handler, filename)  # type: ignore[misc]


class RecordJsonlWriter(_Records, JsonlWriter):
    def __init__(self, out_dir: str, output: str) -> None:
        self.output = output
        super().__init__(out_dir, output_filename=f"{output}/part-${{rank}}.jsonl", compression=None, adapter=_records)


class RecordParquetWriter(_Records, ParquetWriter):
    def __init__(self, out_dir: str, output: str) -> None:
        self.output = output
        super().__init__(
            out_dir, output_filename=f"{output}/part-${{rank}}.parquet", compression=PARQUET_OPTIONS["compression"],
            adapter=_records, schema=ARROW_SCHEMAS[output], max_file_size=-1,  # no rotation: one part per shard
            use_content_defined_chunking=False,
        )


def build_pipeline(input_dir: Path | str, out_dir: Path | str, plan: Path | str) -> list[PipelineStep]:
    check_outside_input(Path(input_dir), {"--out": Path(out_dir)})  # also when a cluster driver calls this directly
    out = str(out_dir)
    writers: list[PipelineStep] = []
    for output in OUTPUTS:
        writers += [RecordParquetWriter(out, output), RecordJsonlWriter(out, output)]
    return [ReadArticles(str(input_dir), str(plan)), CleanArticles(), *writers, RecordJsonlWriter(out, REJECTS_DIR)]


# ---------------------------------------------------------------------------------------------------------
# Completion check and finalize
# ---------------------------------------------------------------------------------------------------------

def incomplete_tasks(logging_dir: Path | str, tasks: int) -> list[int]:
    """Ranks without datatrove's completion marker LOGGING_DIR/completions/<rank:05d>."""
    done = Path(logging_dir) / "completions"
    return [rank for rank in range(tasks) if not (done / f"{rank:05d}").is_file()]


def finalize(out_dir: Path | str, logging_dir: Path | str, tasks: int) -> Path:
    """Once every task is complete: merge the per-task rejects into OUT/rejects.jsonl, in shard order."""
    missing = incomplete_tasks(logging_dir, tasks)
    if missing:
        listed = ", ".join(map(str, missing[:20])) + (" ..." if len(missing) > 20 else "")
        raise IncompleteRunError(
            f"{logging_dir}: {len(missing)} of {tasks} tasks have no completion marker ({listed}); "
            "re-run the same pipeline with the same logging folder to finish them, and do not use the output before"
        )
    out = Path(out_dir)
    parts = out / REJECTS_DIR
    if not parts.exists() and (out / REJECTS_FILE).exists():
        return out / REJECTS_FILE  # finalized already (a re-run whose tasks were all complete wrote no parts)
    with open(out / REJECTS_FILE, "wb") as merged:
        for rank in range(tasks):
            part = parts / f"{part_name(rank)}.jsonl"
            if part.exists():
                merged.write(part.read_bytes())
    if parts.exists():
        shutil.rmtree(parts)
    return out / REJECTS_FILE


class FinalizeRun(PipelineStep):
    """`finalize` as a one-task pipeline, for a cluster job that depends on the main one (Slurm `depends=`)."""

    name = "detente finalize"
    type = "🏁 - FINALIZE"

    def __init__(self, out_dir: str, main_logging_dir: str, tasks: int) -> None:
        super().__init__()
        self.out_dir, self.main_logging_dir, self.tasks = out_dir, main_logging_dir, tasks

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if rank == 0:
            finalize(self.out_dir, self.main_logging_dir, self.tasks)
        yield from data or ()


def _summary(input_dir: Path, out_dir: Path, plan: Path, seconds: float) -> Summary:
    """The same figures run_local returns, read back from the plan and the finished output."""
    rejects: dict[int, list[dict[str, Any]]] = {}
    for line in (out_dir / REJECTS_FILE).read_bytes().split(b"\n"):
        if not line:
            continue
        record = orjson.loads(line)
        rejects.setdefault(record["shard"], []).append(record)
    summary = Summary(seconds=seconds)
    with open(plan, "rb") as f:
        for rank, line in enumerate(f):
            entries = orjson.loads(line)
            rows = {o: pq.ParquetFile(p).metadata.num_rows if (p := out_dir / o / f"{part_name(rank)}.parquet").exists() else 0 for o in OUTPUTS}
            articles = size = 0
            for entry in entries:
                if isinstance(entry, dict):  # found unreadable when planning: one reject, no bytes
                    articles += 1
                elif isinstance(entry, str):  # a .txt article: its size on disk
                    articles += 1
                    size += (input_dir / entry).stat().st_size if (input_dir / entry).is_file() else 0
                else:  # a run of .jsonl lines: the bytes of their "text", as run_local counts them
                    articles += entry[3]
                    size += sum(len(article.data or b"") for article in iter_articles(input_dir, [entry]))
            summary.add(ShardResult(rank, articles, rows["documents"], rows["lines"], size, rejects.get(rank, [])))
    return summary


def run_datatrove(inputs: Path | str, out_dir: Path | str, workers: int = 2, shard_size: int = 1000, logging_dir: Path | str | None = None) -> Summary:
    """run_local's job on datatrove's LocalPipelineExecutor: one task per shard, `workers` at a time.

    The logging folder (default: OUT + ".datatrove-logs") holds the plan, datatrove's logs, stats and
    completion markers; running again with the same folder resumes (completed tasks are skipped).
    """
    input_dir, out = Path(inputs), Path(out_dir)
    logs = Path(logging_dir) if logging_dir is not None else out.with_name(out.name + ".datatrove-logs")
    check_arguments(input_dir, workers, shard_size)
    check_outside_input(input_dir, {"--out": out, "--logging-dir": logs})  # before anything is written
    started = time.perf_counter()
    plan = write_plan(input_dir, logs, shard_size)
    tasks = count_shards(plan)
    executor = LocalPipelineExecutor(
        pipeline=build_pipeline(input_dir, out, plan), tasks=tasks, workers=workers, logging_dir=str(logs),
    )
    executor.run()
    finalize(out, logs, tasks)
    return _summary(input_dir, out, plan, time.perf_counter() - started)

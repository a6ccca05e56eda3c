"""`detente scale`: choose the engine (local process pool or datatrove), run it, print the summary."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from detente.errors import InputError
from detente.scale.core import REJECTS_FILE
from detente.scale.local import run_local


def main_scale(inputs: str, out: str, workers: int = 2, shard_size: int = 1000, engine: str = "local", logging_dir: str | None = None) -> int:
    """`detente scale INPUT --out DIR [--workers N] [--shard-size K] [--engine local|datatrove]`."""
    if engine == "local":
        summary = run_local(inputs, out, workers, shard_size)
    elif engine == "datatrove":
        try:  # datatrove is an optional dependency (the `scale` extra)
            datatrove_engine = importlib.import_module("detente.scale.datatrove")
        except ImportError as err:
            raise InputError("--engine datatrove", f"needs the `scale` extra (pip install 'detente[scale]'): {err}") from None
        summary = datatrove_engine.run_datatrove(inputs, out, workers, shard_size, logging_dir)
    else:
        raise InputError("--engine", f"unknown engine {engine!r}; use 'local' or 'datatrove'")
    print(summary.format())
    for source in summary.first_rejects:
        print(f"rejected: {source}", file=sys.stderr)
    if summary.rejects:
        print(f"{summary.rejects} rejected articles, each named with its error, in {Path(out) / REJECTS_FILE}", file=sys.stderr)
    print(f"output: {out}")
    return 0

"""Shared fixtures: paths relative to this file, a built release in a temp folder, no network."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
C_COMPILER = (shlex.split(os.environ.get("CC") or "cc") or ["cc"])[0]
# Tests of the compiled line model need a C compiler: skipped without one, except where DETENTE_REQUIRE_CC=1 (CI)
needs_compiler = pytest.mark.skipif(
    shutil.which(C_COMPILER) is None and os.environ.get("DETENTE_REQUIRE_CC") != "1",
    reason=f"no C compiler ({C_COMPILER}, or $CC) on PATH: the line model's trees cannot be compiled here",
)

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def fresh_release(tmp_path_factory: pytest.TempPathFactory):
    """A release built from the repo's sources into a temporary folder."""
    from detente.pipeline.build import BuildInputs, build

    out = tmp_path_factory.mktemp("release")
    release, status = build(BuildInputs(), out_root=out)
    assert status == "written"
    return release, out / release.version

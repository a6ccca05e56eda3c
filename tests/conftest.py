"""Shared fixtures: paths relative to this file, a built release in a temp folder, no network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"

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

"""Repository layout, in one place."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RAW_DIR = REPO_ROOT / "raw"
ANNOTATED_DIR = REPO_ROOT / "annotated"
SOURCE_DIR = ANNOTATED_DIR / "source"
CORRECTIONS_DIR = SOURCE_DIR / "line_corrections"
SPLIT_MANIFEST = SOURCE_DIR / "splits.json"
README = REPO_ROOT / "README.md"
DATASHEET = REPO_ROOT / "DATASHEET.md"
CHANGELOG = REPO_ROOT / "CHANGELOG.md"
CITATION = REPO_ROOT / "CITATION.cff"
CROISSANT = REPO_ROOT / "croissant.json"

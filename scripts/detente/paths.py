"""Repository layout, in one place."""

from __future__ import annotations

import re
from pathlib import Path

from detente.errors import InputError
from detente.version import DATASET_VERSION

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
GUIDELINES = REPO_ROOT / "ANNOTATION_GUIDELINES.md"


def release_folder(version_or_folder: str | None = None) -> Path:
    """The folder of a release: a version under annotated/ ("0.4.0"; default the current version) or, when the
    argument names a folder (it holds a path separator), that folder, so an installed package can check any copy."""
    which = version_or_folder or DATASET_VERSION
    path = Path(which) if ("/" in which or "\\" in which) else ANNOTATED_DIR / which
    if not path.is_dir():
        raise InputError(str(path), "no such release folder")
    return path


def release_versions(annotated_dir: Path, holding: str) -> list[str]:
    """Versions under `annotated_dir` whose folder holds `holding` ("schema", "lines", ...), oldest first."""
    found = [p.name for p in annotated_dir.iterdir() if re.fullmatch(r"\d+\.\d+\.\d+", p.name) and (p / holding).is_dir()]
    return sorted(found, key=lambda version: tuple(int(part) for part in version.split(".")))


def check_outside_releases(path: Path) -> None:
    """Refuse to write output inside annotated/ (published releases and the annotation sources): a released version
    never changes and sources change only through their own commands."""
    resolved, annotated = path.resolve(), ANNOTATED_DIR.resolve()
    if resolved == annotated or annotated in resolved.parents:
        raise InputError(str(path), f"is inside {ANNOTATED_DIR} (releases and sources); write exports and predictions elsewhere")

"""`detente build`: build the current release, then refresh what describes it (README card, DATASHEET figures,
Croissant) and the static site. Each step reads the release the previous one published."""

from __future__ import annotations

import re
from pathlib import Path

from detente import paths
from detente.errors import InputError
from detente.pipeline.build import build, format_counts
from detente.publish.card import check_described_documents, load_cff, write_card
from detente.site.render import DEFAULT_OUT_DIR, build_site
from detente.version import DATASET_VERSION


def check_citation(version: str, citation: Path, changelog: Path | None = None) -> None:
    """CITATION.cff (the source of the README BibTeX and Croissant citeAs) must cite the version being built, with the
    date its CHANGELOG entry gives (when `changelog` is given and the entry has a date)."""
    cff = load_cff(citation)
    if not isinstance(cff, dict):
        raise InputError(str(citation), "is not a CITATION.cff mapping")
    preferred = cff.get("preferred-citation")
    if not isinstance(preferred, dict):
        raise InputError(str(citation), "has no preferred-citation block (type, title, authors, version, year)")
    missing = [key for key in ("title", "abstract", "authors", "version", "date-released", "license", "repository-code") if not cff.get(key)]
    if missing or not isinstance(cff["authors"], list):
        raise InputError(str(citation), f"lacks {', '.join(missing) or 'a list of authors'}: the card, BibTeX and Croissant are made from it")
    cited = {str(cff["version"]), str(preferred.get("version"))}
    if cited != {version}:
        raise InputError(str(citation), f"cites version(s) {sorted(cited)}, but version {version} is being built; update version, "
                         "preferred-citation version and date-released first")
    entry = re.search(rf"^## {re.escape(version)} [—–-] (\d{{4}}-\d{{2}}-\d{{2}})\b", changelog.read_text(encoding="utf-8"), re.MULTILINE) if changelog and changelog.exists() else None
    if entry is not None and str(cff["date-released"]) != entry.group(1):
        raise InputError(str(citation), f"date-released is {cff['date-released']}, but the CHANGELOG dates {version} {entry.group(1)}; make them agree")


def main_build() -> int:
    check_citation(DATASET_VERSION, paths.CITATION, paths.CHANGELOG)
    release, status = build(check=check_described_documents)
    print(format_counts(release))
    print(f"annotated/{release.version}/: {status}")
    print(f"card: {write_card(release)}")
    counts = build_site(paths.ANNOTATED_DIR / release.version, paths.RAW_DIR, DEFAULT_OUT_DIR)
    print(f"site: {DEFAULT_OUT_DIR / 'index.html'} ({counts['articles']} article pages, {counts['timeline_marks']} timeline marks)")
    return 0

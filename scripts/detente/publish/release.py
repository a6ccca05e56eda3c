"""`detente build`: build the current release, then refresh what describes it (README card, DATASHEET figures,
Croissant) and the static site. Each step reads the release the previous one published."""

from __future__ import annotations

from detente import paths
from detente.pipeline.build import build, format_counts
from detente.publish.card import write_card
from detente.site.render import DEFAULT_OUT_DIR, build_site


def main_build() -> int:
    release, status = build()
    print(format_counts(release))
    print(f"annotated/{release.version}/: {status}")
    print(f"card: {write_card(release)}")
    counts = build_site(paths.ANNOTATED_DIR / release.version, paths.RAW_DIR, DEFAULT_OUT_DIR)
    print(f"site: {DEFAULT_OUT_DIR / 'index.html'} ({counts['articles']} article pages, {counts['timeline_marks']} timeline marks)")
    return 0

#!/usr/bin/env python3
"""Time the review round trip of one new article. Prints figures; asserts nothing.

    make bench-label      # = .venv/bin/python scripts/bench_label_round_trip.py: serverless, and with Label Studio if installed

On a temporary copy of raw/ and annotated/source/ (and the current release): `detente add` of the short test
article, `detente preannotate`, then two review rounds (the line review of round one adds a line to the clean
text, round two annotates it), each export -> review -> import, and the build of a new version. The review is
simulated (the predictions submitted with the tests' edits, as tests/growth/test_add.py does) or, when Label Studio
is installed (scripts/label_studio.sh --install-only), made through its REST API on a server on 127.0.0.1 that
the script starts (fresh data folder, so the start includes its database migrations) and stops.
No network beyond loopback.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from detente.growth.add import AddOptions, add_article  # noqa: E402
from detente.growth.preannotate import preannotate  # noqa: E402
from growth_helpers import (  # noqa: E402
    ARTICLE,
    NEXT,
    check_new_release,
    incoming,
    repo_copy,
    review_rounds,
    simulated_reviewer,
)


def timed(label: str, action, figures: list[tuple[str, float]]):
    started = time.perf_counter()
    value = action()
    figures.append((label, time.perf_counter() - started))
    return value


def round_trip(reviewer, workdir: Path) -> list[tuple[str, float]]:
    figures: list[tuple[str, float]] = []
    repo = repo_copy(workdir, with_release=True)
    doc_id = timed("detente add", lambda: add_article(incoming(workdir, ARTICLE), repo.raw, repo.source, AddOptions(date="2023-11-07")).doc_id, figures)
    timed("detente preannotate", lambda: preannotate(doc_id, repo.raw, repo.source), figures)
    timed("2 review rounds (export, review, import)", lambda: review_rounds(workdir, repo, doc_id, reviewer), figures)
    timed(f"detente build {NEXT} (+ checks)", lambda: check_new_release(repo, doc_id), figures)
    figures.append(("total", sum(seconds for _, seconds in figures)))
    return figures


def show(title: str, figures: list[tuple[str, float]]) -> None:
    print(title)
    for label, seconds in figures:
        print(f"  {label:<44}{seconds:>8.2f} s")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        show("serverless (simulated review)", round_trip(simulated_reviewer, Path(tmp)))
    from detente.growth.labelstudio.server import (
        LABEL_STUDIO_VERSION,
        executable,
        start,
    )

    if executable() is None:
        print("Label Studio not installed (scripts/label_studio.sh --install-only): server figures skipped")
        return 0
    from growth_helpers import server_reviewer

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        server = start(Path(tmp) / "label-studio")
        boot = time.perf_counter() - started
        try:
            figures = round_trip(server_reviewer(server.client), Path(tmp))
        finally:
            server.stop()
        show(f"Label Studio {LABEL_STUDIO_VERSION} on 127.0.0.1 (start with migrations: {boot:.1f} s, not in the total)", figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

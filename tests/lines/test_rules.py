"""rules.match_line's ASCII shortcuts (ascii_first, ascii_needs, ascii_all_upper) skip only searches that cannot
match: the rule that fires is always the one match_line_every_rule finds by searching every pattern."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.lines import native
from detente.lines.rules import ALL_RULES, MONTHS, match_line, match_line_every_rule

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "boilerplate"


def _rule_id(stripped: str, every: bool = False) -> str | None:
    rule = (match_line_every_rule if every else match_line)(stripped)
    return rule.rule_id if rule else None


def test_every_rule_fires_through_the_shortcuts_on_a_line_made_for_it():
    lines = {
        "caption-photo": "Photo: Reuters/Jane Doe", "copyright": "(C) 2023 Example Media", "credit-origin": "Source: Xinhua",
        "byline": "By Jane Doe", "dateline": "March 3, 2023 10:15", "counter-read-time": "5 min read", "counter-views": "Views: 1,234",
        "video-timestamp": "3:45", "author-bio-fragments": "Writer. Father. Runner. Coffee.", "related-header": "Related stories",
        "advertisement": "ADVERTISEMENT", "share-network": "WhatsApp", "share-call": "Share this story on Facebook",
        "promo-cta": "Subscribe now for full access", "nav-words": "Back to top", "nav-font-size": "A+", "nav-identifier": "theme_dark",
        "nav-language-switch": "ru", "nav-all-caps": "WORLD NEWS",
    }
    assert set(lines) == {rule.rule_id for rule in ALL_RULES}
    for rule_id, line in lines.items():
        assert _rule_id(line) == _rule_id(line, every=True) == rule_id, line


def test_lines_outside_ascii_search_every_rule():
    for line in ("© 2023 Ведомости", "ſhare", "“Writer. Father. Runner. Coffee.”", "Photo: Zürich", "WELTNACHRICHTEN ÜBERBLICK"):
        assert _rule_id(line) == _rule_id(line, every=True), line


def test_the_seeds_and_probe_lines_fire_the_same_rules():
    lines = [line.strip() for path in sorted((REPO / "raw").glob("*.txt")) for line in path.read_text(encoding="utf-8").split("\n")]
    for line in [line for line in lines if line] + native.probe_lines(5000):
        assert _rule_id(line) == _rule_id(line, every=True), line


_WORDS = st.sampled_from([
    *MONTHS.split("|"), "by", "By", "BY", "reporting", "Additional", "written", "photo", "IMAGE", "picture", "credit", "alt=",
    "(c)", "(C)", "copyright", "all rights reserved", "source", "Sources:", "this article", "was published", "min", "minute",
    "read", "views", "Comments", "shares", "share", "this", "it", "story", "on", "follow us on", "share-", "more from",
    "related", "read more", "see also", "recommended", "you may also like", "advertisement", "ads", "sponsored", "promoted",
    "twitter", "x", "e-mail", "copy link", "app store", "google play", "get more with", "learn more", "subscribe", "sign up",
    "download", "the", "our", "app", "search", "menu", "log in", "loading...", "back to top", "next", "a+", "A-", "theme_dark",
    "ru", "arm", "NEWS", "WORLD", "1", "12", "2023", "7:45", "1,234", "5k", ":", ".", "!", "?", "'", '"', "-", "&", ",",
    "Jane", "Doe", "Writer.", "Father.", "Runner.", "“", "”", "’", "©", "ſ", "é",
])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=12), st.sampled_from([" ", "", "  ", "\t"]))
def test_lines_made_of_the_rules_words_fire_the_same_rules(words, space):
    line = space.join(words).strip()
    if line:
        assert _rule_id(line) == _rule_id(line, every=True), line


@pytest.mark.skipif(not (SHARED / "dev" / "raw").is_dir(), reason=f"{SHARED} is absent (a maintainers' folder): the rules are compared on the seeds and generated lines only")
def test_the_boilerplate_pages_lines_fire_the_same_rules():
    lines = {line.strip() for folder in ("dev", "train") for path in sorted((SHARED / folder / "raw").glob("*.txt"))
             for line in path.read_text(encoding="utf-8", errors="replace").split("\n")}
    fired = 0
    for line in sorted(line for line in lines if line):
        expected = _rule_id(line, every=True)
        assert _rule_id(line) == expected, line
        fired += expected is not None
    assert fired == 5815  # of the 199,130 distinct non-blank lines of dev/ and train/

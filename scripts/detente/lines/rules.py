"""Cleaner rules as data: each rule has an ID, the category it assigns and a one-line reason.

The rules look only at a line's own text; the page-structure pass in clean.py decides the
rest (title, standfirst, body, subheads, related links). No rule names a file or line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from detente.lines.textcache import per_line_cache

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


@dataclass(frozen=True)
class LineRule:
    rule_id: str
    category: str
    pattern: re.Pattern[str]
    reason: str
    max_words: int | None = None  # the rule only fires on lines this short
    starts_related_section: bool = False


def _rule(rule_id: str, category: str, regex: str, reason: str, **kwargs: object) -> LineRule:
    return LineRule(rule_id, category, re.compile(regex, re.IGNORECASE), reason, **kwargs)  # type: ignore[arg-type]


LINE_RULES: tuple[LineRule, ...] = (
    _rule("caption-photo", "caption", r"\b(photo|image|picture|file photo)( credit)?:\s*\S|\balt=", "Image captions carry a photo credit or alt text."),
    _rule("copyright", "copyright", r"©|\(c\)\s*\d{4}|\bcopyright\s+\d{4}|all rights reserved|any use of materials", "Copyright and reuse notices.", max_words=40),
    _rule("credit-origin", "credit", r"^this article (was published|originally appeared|first appeared)\b|\bsources?:\s*\S", "Wire and syndication credits.", max_words=25),
    _rule("byline", "byline", r"^((additional )?reporting|written|edited|compiled) by\s|^by\s+[A-Z][\w.'-]+(\s+[A-Z][\w.'-]+){0,3}$", "Author and reporting credits.", max_words=20),
    _rule("dateline", "dateline", rf"^\d{{1,2}}\s+({MONTHS})\s+\d{{4}}(\s+\d{{1,2}}:\d{{2}})?$|^({MONTHS})\s+\d{{1,2}},\s+\d{{4}}(\s+\d{{1,2}}:\d{{2}})?$|^(published|updated)\s*:?\s+\d", "A line that is only a date (and time).", max_words=8),
    _rule("counter-read-time", "counter", r"\b\d+\s+min(ute)?s?\s+read\b", "Reading-time badges.", max_words=8),
    _rule("counter-views", "counter", r"^(views?|comments?|shares?)\s*:?\s*\d[\d,.]*k?$|^\d[\d,.]*k?\s+(views|comments|shares)$", "View, comment and share counters.", max_words=4),
    _rule("video-timestamp", "video_widget", r"^\d{1,2}:\d{2}(:\d{2})?$", "A video player's duration stamp.", max_words=1),
    _rule("author-bio-fragments", "author_bio", r"^[\"“]?([A-Z][^.!?]{0,25}[.!?]\s*){4,}[\"”]?$", "Author profile taglines: a string of very short fragments.", max_words=40),
    _rule("related-header", "related_link", r"^(more from\b|related( (stories|articles|content|news|books)\b.*)?$|read more$|see also$|recommended( for you)?$|you may also like)", "Header of a related-stories block; the block runs to the end of the page.", max_words=8, starts_related_section=True),
    _rule("advertisement", "advertisement", r"^(advertisement|advertising|ads?|sponsored( content)?|promoted)$", "Ad slots.", max_words=2),
    _rule("share-network", "share", r"^(twitter|x|facebook|instagram|youtube|telegram|whatsapp|linkedin|reddit|vk|tiktok|email|e-mail|print|copy link|share|share this( article| story)?|apple store|app store|google play|play market)$", "Share buttons, social profile links and app-store links.", max_words=4),
    _rule("share-call", "share", r"\bshare (it|this)( story| article)? on\b|^follow us on\b|^share-", "Calls to share or follow.", max_words=15),
    _rule("promo-cta", "promo", r"^(get more with|learn more$|do you have questions about|subscribe (to|now)|sign up (for|to)|download (the|our) app)", "Promotions for the publisher's own products.", max_words=60),
    _rule("nav-words", "navigation", r"^(search|menu|home|log ?in|sign ?in|sign ?up|loading|loading\.\.\.|close|back to top|next|previous|more)$", "Site menus and interface words.", max_words=4),
    _rule("nav-font-size", "navigation", r"^a[+-]$", "Font-size buttons.", max_words=1),
    _rule("nav-identifier", "navigation", r"^[a-z]+(_[a-z]+)+$", "Interface identifiers leaked into the page text (e.g. theme switches).", max_words=1),
    _rule("nav-language-switch", "navigation", r"^[a-z]{2,3}$", "Language switches ('ru', 'arm').", max_words=1),
)

# Rules that must be tested case-sensitively sit apart from LINE_RULES' IGNORECASE patterns.
CASE_SENSITIVE_RULES: tuple[LineRule, ...] = (
    LineRule("nav-all-caps", "navigation", re.compile(r"^(?=.*[A-Z]{2})[A-Z0-9 ?!&'’.,:-]+$"), "All-capitals section labels and prompts.", max_words=6),
)


@cache
def publisher_names() -> frozenset[str]:
    """Known outlet names (publishers.txt), lower-cased."""
    text = resources.files("detente.lines").joinpath("publishers.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


PUBLISHER_RULE_ID = "publisher-name"
_LONGEST_PUBLISHER_NAME = max(map(len, publisher_names()))
ALL_RULES: tuple[LineRule, ...] = (*LINE_RULES, *CASE_SENSITIVE_RULES)
_LONGEST_MAX_WORDS = max(rule.max_words for rule in ALL_RULES if rule.max_words is not None)
# RULES_BY_WORDS[w]: the rules, in order, that may fire on a line of w words (w capped at the longest max_words + 1).
RULES_BY_WORDS: tuple[tuple[LineRule, ...], ...] = tuple(
    tuple(rule for rule in ALL_RULES if rule.max_words is None or words <= rule.max_words) for words in range(_LONGEST_MAX_WORDS + 2)
)


def match_line(stripped: str, words: int | None = None) -> LineRule | None:
    """The first rule that fires on a stripped, non-empty line (of `words` words), or None."""
    # Outlet names first: short names such as "AP" would otherwise read as interface words.
    # (lower() never shortens a string, so a line longer than every name cannot be one.)
    if len(stripped) <= _LONGEST_PUBLISHER_NAME and stripped.lower() in publisher_names():
        return LineRule(PUBLISHER_RULE_ID, "publisher", re.compile(re.escape(stripped)), "A known outlet name alone on a line.")
    if words is None:
        words = len(stripped.split())
    for rule in RULES_BY_WORDS[min(words, _LONGEST_MAX_WORDS + 1)]:
        if rule.pattern.search(stripped):
            return rule
    return None


# The cleaner's category pass and the line model's features both ask which rule fires on a line: ask once.
matched_rule = per_line_cache(match_line)

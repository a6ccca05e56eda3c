"""Cleaner rules as data: each rule has an ID, the category it assigns and a one-line reason.

The rules look only at a line's own text; the page-structure pass in clean.py decides the
rest (title, standfirst, body, subheads, related links). No rule names a file or line number.
"""

from __future__ import annotations

import re
import string
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
    # Shortcuts for ASCII lines, where re.IGNORECASE is plain ASCII case (no ſ for s, no Kelvin sign for k): what the
    # lower-cased line may start with for the pattern to match, text one of which it must contain, and whether its
    # letters must all be capitals. None of them changes which rule fires; they only skip searches that cannot match
    # (tests/lines/test_rules.py compares).
    ascii_first: str | None = None
    ascii_needs: tuple[str, ...] | None = None
    ascii_all_upper: bool = False  # the pattern matches only lines whose letters are all capitals (str.isupper)


def _rule(rule_id: str, category: str, regex: str, reason: str, **kwargs: object) -> LineRule:
    return LineRule(rule_id, category, re.compile(regex, re.IGNORECASE), reason, **kwargs)  # type: ignore[arg-type]


LINE_RULES: tuple[LineRule, ...] = (
    _rule("caption-photo", "caption", r"\b(photo|image|picture|file photo)( credit)?:\s*\S|\balt=", "Image captions carry a photo credit or alt text.", ascii_needs=("photo", "image", "picture", "alt=")),
    _rule("copyright", "copyright", r"©|\(c\)\s*\d{4}|\bcopyright\s+\d{4}|all rights reserved|any use of materials", "Copyright and reuse notices.", max_words=40, ascii_needs=("(c)", "copyright", "all rights reserved", "any use of materials")),
    _rule("credit-origin", "credit", r"^this article (was published|originally appeared|first appeared)\b|\bsources?:\s*\S", "Wire and syndication credits.", max_words=25, ascii_needs=("this article", "source")),
    _rule("byline", "byline", r"^((additional )?reporting|written|edited|compiled) by\s|^by\s+[A-Z][\w.'-]+(\s+[A-Z][\w.'-]+){0,3}$", "Author and reporting credits.", max_words=20, ascii_first="arwecb"),
    _rule("dateline", "dateline", rf"^\d{{1,2}}\s+({MONTHS})\s+\d{{4}}(\s+\d{{1,2}}:\d{{2}})?$|^({MONTHS})\s+\d{{1,2}},\s+\d{{4}}(\s+\d{{1,2}}:\d{{2}})?$|^(published|updated)\s*:?\s+\d", "A line that is only a date (and time).", max_words=8, ascii_first=string.digits + "jfmasond" + "pu"),
    _rule("counter-read-time", "counter", r"\b\d+\s+min(ute)?s?\s+read\b", "Reading-time badges.", max_words=8, ascii_needs=("min",)),
    _rule("counter-views", "counter", r"^(views?|comments?|shares?)\s*:?\s*\d[\d,.]*k?$|^\d[\d,.]*k?\s+(views|comments|shares)$", "View, comment and share counters.", max_words=4, ascii_first=string.digits + "vcs"),
    _rule("video-timestamp", "video_widget", r"^\d{1,2}:\d{2}(:\d{2})?$", "A video player's duration stamp.", max_words=1, ascii_first=string.digits),
    _rule("author-bio-fragments", "author_bio", r"^[\"“]?([A-Z][^.!?]{0,25}[.!?]\s*){4,}[\"”]?$", "Author profile taglines: a string of very short fragments.", max_words=40, ascii_first='"' + string.ascii_lowercase, ascii_needs=(".", "!", "?")),
    _rule("related-header", "related_link", r"^(more from\b|related( (stories|articles|content|news|books)\b.*)?$|read more$|see also$|recommended( for you)?$|you may also like)", "Header of a related-stories block; the block runs to the end of the page.", max_words=8, starts_related_section=True, ascii_first="mrsy"),
    _rule("advertisement", "advertisement", r"^(advertisement|advertising|ads?|sponsored( content)?|promoted)$", "Ad slots.", max_words=2, ascii_first="asp"),
    _rule("share-network", "share", r"^(twitter|x|facebook|instagram|youtube|telegram|whatsapp|linkedin|reddit|vk|tiktok|email|e-mail|print|copy link|share|share this( article| story)?|apple store|app store|google play|play market)$", "Share buttons, social profile links and app-store links.", max_words=4, ascii_first="txfiywlrvepcsag"),
    _rule("share-call", "share", r"\bshare (it|this)( story| article)? on\b|^follow us on\b|^share-", "Calls to share or follow.", max_words=15, ascii_needs=("share", "follow us on")),
    _rule("promo-cta", "promo", r"^(get more with|learn more$|do you have questions about|subscribe (to|now)|sign up (for|to)|download (the|our) app)", "Promotions for the publisher's own products.", max_words=60, ascii_first="glds"),
    _rule("nav-words", "navigation", r"^(search|menu|home|log ?in|sign ?in|sign ?up|loading|loading\.\.\.|close|back to top|next|previous|more)$", "Site menus and interface words.", max_words=4, ascii_first="smhlcbnp"),
    _rule("nav-font-size", "navigation", r"^a[+-]$", "Font-size buttons.", max_words=1, ascii_first="a"),
    _rule("nav-identifier", "navigation", r"^[a-z]+(_[a-z]+)+$", "Interface identifiers leaked into the page text (e.g. theme switches).", max_words=1, ascii_first=string.ascii_lowercase, ascii_needs=("_",)),
    _rule("nav-language-switch", "navigation", r"^[a-z]{2,3}$", "Language switches ('ru', 'arm').", max_words=1, ascii_first=string.ascii_lowercase),
)

# Rules that must be tested case-sensitively sit apart from LINE_RULES' IGNORECASE patterns.
CASE_SENSITIVE_RULES: tuple[LineRule, ...] = (
    LineRule("nav-all-caps", "navigation", re.compile(r"^(?=.*[A-Z]{2})[A-Z0-9 ?!&'’.,:-]+$"), "All-capitals section labels and prompts.", max_words=6,
             ascii_first=string.ascii_lowercase + string.digits + " ?!&'.,:-", ascii_all_upper=True),  # ascii_first: of the line lower-cased
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


@cache
def _ascii_candidates(words: int, first: str) -> tuple[LineRule, ...]:
    """RULES_BY_WORDS[words] less the rules that cannot match an ASCII line starting with `first` (lower-cased)."""
    return tuple(rule for rule in RULES_BY_WORDS[words] if rule.ascii_first is None or first in rule.ascii_first)


def _publisher_rule(stripped: str) -> LineRule | None:
    """The publisher rule when the line is a known outlet name alone. (lower() never shortens a string, so a line
    longer than every name cannot be one.)"""
    if len(stripped) <= _LONGEST_PUBLISHER_NAME and stripped.lower() in publisher_names():
        return LineRule(PUBLISHER_RULE_ID, "publisher", re.compile(re.escape(stripped)), "A known outlet name alone on a line.")
    return None


def match_line(stripped: str, words: int | None = None) -> LineRule | None:
    """The first rule that fires on a stripped, non-empty line (of `words` words), or None."""
    # Outlet names first: short names such as "AP" would otherwise read as interface words.
    publisher = _publisher_rule(stripped)
    if publisher is not None:
        return publisher
    if words is None:
        words = len(stripped.split())
    bucket = min(words, _LONGEST_MAX_WORDS + 1)
    if not stripped.isascii():
        return next((rule for rule in RULES_BY_WORDS[bucket] if rule.pattern.search(stripped)), None)
    lower = stripped.lower()
    for rule in _ascii_candidates(bucket, lower[:1]):
        if rule.ascii_needs is not None and not any(map(lower.__contains__, rule.ascii_needs)):
            continue
        if rule.ascii_all_upper and not stripped.isupper():
            continue
        if rule.pattern.search(stripped):
            return rule
    return None


def match_line_every_rule(stripped: str, words: int | None = None) -> LineRule | None:
    """match_line without the ASCII shortcuts: every rule's pattern searched (the definition tests compare with)."""
    publisher = _publisher_rule(stripped)
    if publisher is not None:
        return publisher
    bucket = min(len(stripped.split()) if words is None else words, _LONGEST_MAX_WORDS + 1)
    return next((rule for rule in RULES_BY_WORDS[bucket] if rule.pattern.search(stripped)), None)


# The cleaner's category pass and the line model's features both ask which rule fires on a line: ask once.
matched_rule = per_line_cache(match_line)

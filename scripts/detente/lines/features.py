"""Features of every line of a page, for the content/non-content model.

Two kinds: what a line's own text shows (length, words, stop words, capitals, punctuation, marker words,
which cleaner rule fires), and what its place on the page shows (neighbours, text density in windows of
lines, repetition, position relative to the prose). The second stage adds the first stage's probabilities of
the neighbours and the page's best run of content (the maximum-sum segment of p - 1/2), which is where
boilerplate removal gains most from context.

This module is the definition (python_line_row, numpy_page_features, numpy_context_rows). When `detente
compile-line-model` has built line_features.c, the same doubles come from C: a page's lines in one call, then
its page rows and context rows; else Python computes them, a line's own row cached per distinct line.
"""

from __future__ import annotations

import math
import re
import string
import struct
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, chain, repeat
from operator import itemgetter
from pathlib import Path

import numpy as np

from detente.lines.compiled import NativeFeatures, PageLayout, load_line_features
from detente.lines.rules import matched_rule
from detente.lines.textcache import per_line_cache
from detente.schemas import category_class

# English function words (a closed class, written out here): running text has many, menus and headlines few.
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here hers
    him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our out
    over own same she should so some such than that the their them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your said says""".split()
)
# Words and signs that mark page furniture more often than article text; each is one 0/1 feature.
MARKERS = (
    "share", "follow", "subscribe", "newsletter", "sign in", "log in", "sign up", "cookie", "privacy", "terms",
    "copyright", "©", "rights reserved", "advertis", "related", "read more", "comment", "reply", "click", "menu",
    "login", "register", "posted", "updated", "published", "photo", "image", "credit", "getty", "reuters",
    "associated press", "email", "facebook", "twitter", "linkedin", "whatsapp", "download", "app", "search", "home",
    "contact", "about us", "read", "more", "next", "video", "watch", "ago",
)
_PUNCTUATION = "\"'“”‘’«»()[]{}.,;:!?…-–—"
_TERMINALS = (".", "!", "?", "…")
_CLOSERS = "\"'”’»)]"
_BULLETS = "•·▪●*-–—►▶"
_SEPARATORS = "|•·»›/>"
_QUOTES = "\"“‘'«"  # a line starting with one of these opens a quotation
# A year not inside a longer number; the lookbehinds come after the literal digits so that re skips ahead to a "1" or "2"
_YEAR = re.compile(r"(?:19|20)(?<!\d19)(?<!\d20)\d\d(?!\d)")
# A clock-time pattern ("7:45 am", "17:19"; also a verse "3:16"): timestamps crowd comment threads and feeds
_CLOCK = re.compile(r"(?<!\d)\d{1,2}:\d\d(?!\d)")
# A short line ending in a speech verb: a commenter's heading ("joetoronto says:", "Gary M on September 17, 2018 at
# 8:50 pm said:"), but also a headline's attribution ("..., Blinken says"); the neighbours tell them apart
_SAYS = re.compile(r"(?:says|said|wrote|writes|replied)\s*:?$", re.IGNORECASE)
_LINE_NAMES = (
    "log_chars", "log_words", "letter_share", "digit_share", "upper_share_of_letters", "punct_share",
    "stop_word_share", "capitalised_word_share", "mean_word_length", "ends_sentence", "ends_colon", "starts_bullet",
    "separators", "commas_per_word", "inner_sentence_ends", "has_year", "has_url_or_at", "starts_upper", "all_upper",
    "starts_quote", "headline_like", "title_shaped", "prose_like", "has_clock_time", "author_says",
    "rule_content", "rule_metadata", "rule_boilerplate", *(f"marker_{m}" for m in MARKERS),
)
LINE_WIDTH = len(_LINE_NAMES)
LINE_COLUMNS = _LINE_NAMES[: LINE_WIDTH - len(MARKERS)]  # the line columns before the markers, as line_features.c writes them
_BLANK = (0.0,) * LINE_WIDTH
# Columns of the line vector that the neighbour features repeat.
_NEIGHBOUR_COLUMNS = [_LINE_NAMES.index(name) for name in ("log_chars", "stop_word_share", "capitalised_word_share", "ends_sentence", "headline_like", "prose_like", "has_clock_time", "author_says")]
_NEIGHBOUR_OFFSETS = (-3, -2, -1, 1, 2, 3)
_WINDOWS = (1, 2, 4, 8, 16, 32)
_P_WINDOWS = (2, 5, 15, 40)  # the windows of the first stage's probabilities
ECHO_WINDOW = 250  # lines either side searched for an echo of a line
_WINDOW_COLUMNS = [_LINE_NAMES.index(name) for name in ("log_chars", "stop_word_share", "capitalised_word_share", "headline_like", "prose_like", "has_clock_time", "author_says", "marker_comment")]
_PAGE_NAMES = (
    "repeated", "log_repeats", "echoed", "position", "text_before_share", "log_page_lines", "inside_prose_span",
    "from_first_prose", "from_last_prose", "log_lines_to_prose", "length_rank", "length_of_longest",
    *(f"{offset:+d}_{_LINE_NAMES[c]}" for offset in _NEIGHBOUR_OFFSETS for c in _NEIGHBOUR_COLUMNS),
    *(f"window{w}_{_LINE_NAMES[c]}" for w in _WINDOWS for c in _WINDOW_COLUMNS),
)
FEATURE_NAMES: tuple[str, ...] = (*_LINE_NAMES, *_PAGE_NAMES)
CONTEXT_NAMES: tuple[str, ...] = (
    "p", "page_max_p",
    *(f"{offset:+d}_p" for offset in _NEIGHBOUR_OFFSETS),
    *(f"window{w}_p" for w in _P_WINDOWS),
    *(f"{kind}_{name}" for kind in ("run", "char_run") for name in ("inside", "from_start", "from_end", "length")),
    "last_headline_before_run", "headlines_before_run", "shared_word_share", "shared_word_depth",
    "comment_marks_after_run", "unlikely_lines_to_run",
)


_ROW = struct.Struct(f"{LINE_WIDTH}d")  # a line's vector as float64 bytes: a page's rows are joined and read by numpy in one call
_BLANK_ROW = _ROW.pack(*_BLANK)
_ASCII_LETTERS = string.ascii_letters.encode("ascii")
_ASCII_UPPER = string.ascii_uppercase.encode("ascii")
_ASCII_DIGITS = string.digits.encode("ascii")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_FIRST_CHARACTER = itemgetter(slice(None, 1))  # word[:1]


NATIVE_LINE_FEATURES = Path(__file__).with_name("line_features.so")  # line_features.c, built by `detente compile-line-model`
_RULE_CLASS_CODES = {"content": 1, "metadata": 2, "boilerplate": 3}  # as line_features.c reads them; 0 for no rule


def native_line_rows_lists() -> tuple[str, ...]:
    """line_features.c's start-up arguments: the stop words and markers ('\\n'-separated), then the sets."""
    return ("\n".join(sorted(STOP_WORDS)), "\n".join(MARKERS), _PUNCTUATION, _CLOSERS, "".join(_TERMINALS), _BULLETS, _SEPARATORS, _QUOTES)


def native_page_layout() -> PageLayout:
    """line_features.c's page layout: which line columns the page features read and repeat, the offsets and windows."""
    columns = [_LINE_NAMES.index(name) for name in ("prose_like", "title_shaped", "author_says", "marker_comment")]
    lists = (_NEIGHBOUR_COLUMNS, _NEIGHBOUR_OFFSETS, _WINDOW_COLUMNS, _WINDOWS, _P_WINDOWS)
    layout = (LINE_WIDTH, *columns, *(value for values in lists for value in (len(values), *values)))
    return PageLayout(layout, _LOG1P, len(FEATURE_NAMES), len(CONTEXT_NAMES))


@cache
def native_features() -> NativeFeatures | None:
    """line_features.c's functions, when its library is built and current (else None: Python computes every row)."""
    return load_line_features(NATIVE_LINE_FEATURES, LINE_COLUMNS, LINE_WIDTH, native_line_rows_lists(), native_page_layout())


def line_features_backend() -> str:
    """What computes the line rows: "C (Python for lines with other characters)" or "Python"."""
    return "C (Python for lines with other characters)" if native_features() is not None else "Python"


def _rule_class_code(stripped: str) -> int:
    rule = matched_rule(stripped)
    return _RULE_CLASS_CODES.get(category_class()[rule.category], 0) if rule else 0


def native_line_row(native: NativeFeatures, stripped: str) -> tuple[bytes, tuple[str, ...]] | None:
    """_line_row from the C library; None for a line it leaves to Python (a character it does not know, or not
    stripped)."""
    return native.row(stripped, _rule_class_code(stripped))


def _line_row(stripped: str) -> tuple[bytes, tuple[str, ...]]:
    """A line's own vector (_LINE_NAMES, packed by _ROW) and its content words (see _cohesion): from
    line_features.c when it is built and takes the line, else python_line_row (the same values)."""
    if not stripped:
        return _BLANK_ROW, ()
    native = native_features()
    if native is not None:
        computed = native_line_row(native, stripped)
        if computed is not None:
            return computed
    return python_line_row(stripped)


def python_line_row(stripped: str) -> tuple[bytes, tuple[str, ...]]:
    """_line_row in Python, in one pass: the definition line_features.c follows."""
    if not stripped:
        return _BLANK_ROW, ()
    words = stripped.split()
    n_words = len(words)
    n_chars = len(stripped)
    lower = stripped.lower()
    # Letters, capitals and digits: among ASCII characters (single bytes in UTF-8) str.isalpha, isupper and isdigit
    # mean exactly [A-Za-z], [A-Z] and [0-9], counted by what bytes.translate deletes; the few other characters are
    # tested one by one (map() runs the str predicates in C).
    data = stripped.encode("utf-8", "surrogatepass")
    letters = len(data) - len(data.translate(None, _ASCII_LETTERS))
    upper = len(data) - len(data.translate(None, _ASCII_UPPER))
    digits = len(data) - len(data.translate(None, _ASCII_DIGITS))
    if not stripped.isascii():
        other = "".join(_NON_ASCII.findall(stripped))
        letters += sum(map(str.isalpha, other))
        upper += sum(map(str.isupper, other))
        digits += sum(map(str.isdigit, other))
    spaces = stripped.count(" ")
    # map() over str methods keeps the per-word work in C: the lines of an article's body are long
    bare = list(map(str.strip, words, repeat(_PUNCTUATION, n_words)))
    lower_bare = list(map(str.lower, bare))
    word_chars = sum(map(len, bare))
    capitalised = sum(map(str.isupper, map(_FIRST_CHARACTER, bare)))
    stop = sum(map(STOP_WORDS.__contains__, lower_bare))
    ends_sentence = stripped.rstrip(_CLOSERS)[-1:] in _TERMINALS
    capitalised_share = capitalised / n_words
    rule = matched_rule(stripped)
    rule_class = category_class()[rule.category] if rule else ""
    row = _ROW.pack(
        math.log1p(n_chars), math.log1p(n_words), letters / n_chars, digits / n_chars, upper / letters if letters else 0.0,
        (n_chars - letters - digits - spaces) / n_chars, stop / n_words, capitalised_share, word_chars / n_words,
        ends_sentence, stripped.endswith(":"), stripped[0] in _BULLETS,
        sum(map(stripped.count, _SEPARATORS)), stripped.count(",") / n_words,
        stripped.count(". ") + stripped.count("? ") + stripped.count("! "),
        digits >= 4 and _YEAR.search(stripped) is not None, "@" in stripped or "http" in lower or "www." in lower,
        stripped[0].isupper(), letters > 0 and upper == letters, stripped[0] in _QUOTES,
        3 <= n_words <= 20 and not ends_sentence and capitalised_share >= 0.5,
        4 <= n_words <= 25 and not ends_sentence and stripped[0].isupper() and letters >= 0.7 * n_chars and not stripped.endswith(":"),
        n_words >= 25 or (n_words >= 10 and ends_sentence),
        ":" in stripped and _CLOCK.search(stripped) is not None, n_words <= 12 and _SAYS.search(stripped) is not None,
        rule_class == "content", rule_class == "metadata", rule_class == "boilerplate",
        *map(lower.__contains__, MARKERS),
    )
    content_words = tuple(sorted(word for word in set(lower_bare) - STOP_WORDS if len(word) > 3))
    return row, content_words


line_row = per_line_cache(_line_row)


def line_vectors(texts: list[str]) -> np.ndarray:
    """The own vectors (_LINE_NAMES) of a page's lines, one row each."""
    return np.frombuffer(b"".join([line_row(text)[0] for text in texts]), dtype=np.float64).reshape(len(texts), LINE_WIDTH)


def _window_means(values: np.ndarray, widths: tuple[int, ...]) -> np.ndarray:
    """The mean of `values` (one row, or one value, per line) over the lines within each width of each line,
    clipped at the page's edges, as (lines, widths, *columns). One cumulative sum and one gather serve every width."""
    n = len(values)
    cumulative = np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0)])
    index = np.arange(n)
    reach = np.array(widths)[:, None]
    low, high = np.maximum(index - reach, 0), np.minimum(index + reach + 1, n)
    count = (high - low).reshape(*low.shape, *([1] * (values.ndim - 1)))
    return np.swapaxes((cumulative[high] - cumulative[low]) / count, 0, 1)


def _shifted(values: np.ndarray, offsets: tuple[int, ...], fill: float) -> np.ndarray:
    """values[i + offset] for each line i and offset, as (lines, offsets, *columns); `fill` beyond the page."""
    n = len(values)
    where = np.arange(n)[:, None] + np.array(offsets)
    out = values[where.clip(0, n - 1)]
    out[(where < 0) | (where >= n)] = fill
    return out


_LOG1P = np.array([math.log1p(k) for k in range(1024)], dtype=np.float64)


def _log1p(counts: np.ndarray) -> np.ndarray:
    """log1p of non-negative whole numbers, from the C library's log1p (numpy's vectorised one may differ in the
    last bit between processors, and a model file must come out the same on every machine), by table."""
    whole = counts.astype(np.int64)
    top = int(whole.max()) if len(whole) else 0
    table = _LOG1P if top < len(_LOG1P) else np.array([math.log1p(k) for k in range(top + 1)], dtype=np.float64)
    return table[whole]


def _fill(out: np.ndarray, blocks: list[np.ndarray | float]) -> np.ndarray:
    """`out` with `blocks` written side by side into its columns: a value per line (one column), a row of values per
    line (a column each), or one value for every line. Cheaper than column_stack on a short page's many columns."""
    column = 0
    for block in blocks:
        if isinstance(block, np.ndarray) and block.ndim == 2:
            out[:, column:column + block.shape[1]] = block
            column += block.shape[1]
        else:
            out[:, column] = block
            column += 1
    if column != out.shape[1]:
        raise ValueError(f"{column} feature columns for {out.shape[1]} names")
    return out


def _echoed(texts: list[str]) -> np.ndarray:
    """1 for a line of 20-200 characters whose text also occurs inside another line within ECHO_WINDOW lines
    (a headline echoed in "Share this on Facebook: <headline>", breadcrumbs). The window keeps the cost linear
    in the page's length."""
    n = len(texts)
    page_text = "\n".join(texts)
    starts = list(accumulate((len(text) + 1 for text in texts), initial=0))
    where: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        where.setdefault(text, []).append(i)
    echoed = np.zeros(n)
    for i, text in enumerate(texts):
        if 20 <= len(text) <= 200:
            low, high = max(0, i - ECHO_WINDOW), min(n - 1, i + ECHO_WINDOW)
            occurrences = page_text.count(text, starts[low], starts[high] + len(texts[high]))
            same = where[text]
            equal_lines = bisect_right(same, high) - bisect_left(same, low)  # each holds one occurrence
            echoed[i] = float(occurrences > equal_lines)
    return echoed


def page_features(stripped_lines: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(FEATURE_NAMES of each non-blank line, mask of the non-blank lines) for a page's stripped lines.

    Blank lines are left out before anything is computed: the training pages have none, so a page spaced
    with empty lines must look to the model like the same page without them.
    """
    features, text_mask, _ = page_features_and_words(stripped_lines)
    return features, text_mask


def page_features_and_words(stripped_lines: list[str]) -> tuple[np.ndarray, np.ndarray, PageWords]:
    """page_features, and the page_words of the non-blank lines: from line_features.c when it is built (the same
    doubles and words, in one call for the lines and one for the page), else line by line and numpy_page_features."""
    text_mask = np.fromiter(map(bool, stripped_lines), dtype=bool, count=len(stripped_lines))
    texts = [text for text in stripped_lines if text]
    if not texts:
        return np.zeros((0, len(FEATURE_NAMES))), text_mask, page_words(texts)
    native = native_features()
    if native is None:
        return numpy_page_features(*page_columns(texts)), text_mask, page_words(texts)
    own, words = _native_rows_and_words(native, texts)
    return native.page_features(*page_columns(texts, own)), text_mask, words


def page_columns(texts: list[str], own: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What the page features are computed from, for a page's non-blank stripped lines: their own vectors (lines,
    LINE_WIDTH; line_vectors unless given), how often each line's text occurs on the page, whether it is echoed
    (_echoed), its length."""
    n = len(texts)
    counts = Counter(texts)
    repeats = np.fromiter(map(counts.__getitem__, texts), dtype=np.float64, count=n)
    return (line_vectors(texts) if own is None else own), repeats, _echoed(texts), np.fromiter(map(len, texts), dtype=np.float64, count=n)


def _native_rows_and_words(native: NativeFeatures, texts: list[str]) -> tuple[np.ndarray, PageWords]:
    """line_vectors and page_words of a page's non-blank stripped lines from one call to line_features.c; the lines
    it leaves to Python get python_line_row (and then Python numbers the page's words, as page_words does)."""
    lines = native.page_lines(texts, list(map(_rule_class_code, texts)))
    if lines.taken.all():
        chars = np.fromiter(map(len, texts), dtype=np.float64, count=len(texts))
        return lines.rows, PageWords(chars, lines.word_ids, lines.line_of_word, lines.distinct, np.maximum(lines.word_counts, 1))
    rows, words, start = lines.rows, [], 0
    for i, (text, taken, end) in enumerate(zip(texts, lines.taken.tolist(), lines.word_ends.tolist())):
        if taken:
            words.append(tuple(lines.words[start:end].split("\n")) if end > start else ())
        else:
            row, line_words = python_line_row(text)
            rows[i] = np.frombuffer(row, dtype=np.float64)
            words.append(line_words)
        start = end
    return rows, _numbered_words(texts, words)


def numpy_page_features(own: np.ndarray, repeats: np.ndarray, echoed: np.ndarray, chars: np.ndarray) -> np.ndarray:
    """FEATURE_NAMES of a page's n non-blank lines from their own vectors (n, LINE_WIDTH), how often each line's
    text occurs on the page, whether it is echoed (_echoed) and its length: the definition line_features.c follows."""
    n = len(own)
    prose = own[:, _LINE_NAMES.index("prose_like")]
    index = np.arange(n)
    prose_lines = np.flatnonzero(prose)
    if len(prose_lines):
        first, last = prose_lines[0], prose_lines[-1]
        # distance to the nearest prose line: searchsorted finds the prose lines on either side
        right = np.searchsorted(prose_lines, index).clip(max=len(prose_lines) - 1)
        left = (right - 1).clip(min=0)
        nearest = np.minimum(np.abs(prose_lines[right] - index), np.abs(prose_lines[left] - index))
        inside = ((index >= first) & (index <= last)).astype(np.float64)
        from_first, from_last = (index - first) / n, (index - last) / n
    else:
        nearest, inside, from_first, from_last = np.full(n, n), np.zeros(n), np.zeros(n), np.zeros(n)
    rank = np.empty(n)
    rank[np.argsort(-chars, kind="stable")] = index
    total = chars.sum()
    return _fill(np.empty((n, len(FEATURE_NAMES))), [
        own, (repeats > 1).astype(np.float64), _log1p(repeats), echoed, index / max(n - 1, 1),
        (np.cumsum(chars) - chars) / total, math.log1p(n), inside, from_first, from_last,
        _log1p(nearest), rank / n, chars / chars.max(),
        _shifted(own[:, _NEIGHBOUR_COLUMNS], _NEIGHBOUR_OFFSETS, -1.0).reshape(n, -1),
        _window_means(own[:, _WINDOW_COLUMNS], _WINDOWS).reshape(n, -1),
    ])


def best_run(scores: np.ndarray) -> tuple[int, int]:
    """First and last line of the contiguous run with the largest sum of scores (Kadane); (0, 0) for no lines."""
    best, current, start, best_start, best_end = -math.inf, 0.0, 0, 0, 0
    for i, value in enumerate(scores.tolist()):
        if current <= 0:
            current, start = value, i
        else:
            current += value
        if current > best:
            best, best_start, best_end = current, start, i
    return best_start, best_end


@dataclass(frozen=True)
class PageWords:
    """What the second stage needs of a page's non-blank lines' text, which is the same for every member: their
    lengths, and their content words (see _line_row) as one array of word ids with the line each came from."""

    chars: np.ndarray  # characters per line
    word_ids: np.ndarray  # the content words of every line, line after line, as ids (0, 1, ... in order of first use)
    line_of_word: np.ndarray  # the line of each entry of word_ids
    distinct: int  # how many different words
    per_line: np.ndarray  # content words per line, at least 1 (the divisor of the cohesion features)


def page_words(texts: list[str]) -> PageWords:
    return _numbered_words(texts, [line_row(text)[1] for text in texts])


def _numbered_words(texts: list[str], words: list[tuple[str, ...]]) -> PageWords:
    """PageWords of lines `texts` whose content words are `words` (a tuple per line)."""
    n = len(texts)
    sizes = np.fromiter(map(len, words), dtype=np.int64, count=n)
    ids: dict[str, int] = {}
    flat = [ids.setdefault(word, len(ids)) for word in chain.from_iterable(words)]
    return PageWords(
        np.fromiter(map(len, texts), dtype=np.float64, count=n), np.array(flat, dtype=np.int64),
        np.repeat(np.arange(n), sizes), len(ids), np.maximum(sizes, 1),
    )


def _cohesion(words: PageWords, likely: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How much of each line's vocabulary the other likely-content lines share: an article's lines talk about
    one thing, the headlines of other stories and the furniture around them about others. Per member (a row of
    `likely`) and line: the share of its words found in another likely line, and the mean log1p of how many such
    lines have each word. Each (members, lines)."""
    k, n = likely.shape
    if words.distinct == 0:
        return np.zeros((k, n)), np.zeros((k, n))
    # Member m's words and lines are numbered apart (+ m * distinct, + m * n), so that one bincount serves all.
    # A line's words are distinct, so a word's weighted count is the number of likely lines that have it (a whole
    # number, exact in float64); the line's own vote does not count.
    member = np.arange(k)[:, None]
    word_bins = (words.word_ids + member * words.distinct).ravel()
    line_bins = (words.line_of_word + member * n).ravel()
    own_vote = likely[:, words.line_of_word].astype(np.float64).ravel()
    in_likely_lines = np.bincount(word_bins, weights=own_vote, minlength=k * words.distinct)
    others = in_likely_lines[word_bins] - own_vote
    share = np.bincount(line_bins, weights=(others > 0).astype(np.float64), minlength=k * n).reshape(k, n) / words.per_line
    depth = np.bincount(line_bins, weights=_log1p(others), minlength=k * n).reshape(k, n) / words.per_line
    return share, depth


def _beyond_runs(features: np.ndarray, p: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Comment threads follow the article. For each row of `p` (a member's probabilities) and its run
    starts[k]..ends[k] (the best run by characters), per line: log1p of the lines with author_says or marker_comment
    met since the end of the run (0 inside and before it), and log1p of the unlikely lines (p < 1/2) between the
    line and the run (0 inside it). Each (members, lines)."""
    n = p.shape[1]
    index = np.arange(n)
    after = index > ends[:, None]
    marks = (features[:, _LINE_NAMES.index("author_says")] > 0) | (features[:, _LINE_NAMES.index("marker_comment")] > 0)
    comment_marks = np.where(after, np.cumsum(marks & after, axis=1), 0)
    unlikely = np.concatenate([np.zeros((len(p), 1), dtype=np.int64), np.cumsum(p < 0.5, axis=1)], axis=1)  # [k, i]: before line i
    to_end = unlikely[:, :n] - np.take_along_axis(unlikely, ends[:, None] + 1, axis=1)
    to_start = np.take_along_axis(unlikely, starts[:, None], axis=1) - unlikely[:, 1:]
    between = np.where(after, to_end, np.where(index < starts[:, None], to_start, 0))
    return _log1p(comment_marks), _log1p(between)


def context_rows(features: np.ndarray, p: np.ndarray, words: PageWords) -> np.ndarray:
    """The second stage's input of each member for a page's non-blank lines, as (members, lines, FEATURE_NAMES then
    CONTEXT_NAMES): `features` as page_features returns them, `p` the members' first-stage probabilities (one row
    each), `words` the lines' page_words. From line_features.c when it is built (the same doubles), else
    numpy_context_rows."""
    native = native_features()
    if native is not None and p.shape[1] > 0:
        return native.context_rows(features, p, words.chars, words.word_ids, words.line_of_word, words.distinct, words.per_line)
    return numpy_context_rows(features, p, words)


def numpy_context_rows(features: np.ndarray, p: np.ndarray, words: PageWords) -> np.ndarray:
    """context_rows in numpy, the definition line_features.c follows: for all members at once (numpy's cost per
    call dominates on short pages), each value by the same operations as for one member alone."""
    k, n = p.shape
    out = np.empty((k, n, len(FEATURE_NAMES) + len(CONTEXT_NAMES)))
    out[:, :, : len(FEATURE_NAMES)] = features
    if n == 0:
        return out
    context = out[:, :, len(FEATURE_NAMES):]
    index = np.arange(n)
    by_lines = p - 0.5
    runs = np.array([[best_run(by_lines[m]), best_run(by_lines[m] * words.chars)] for m in range(k)])  # by lines, by characters
    starts, ends = runs[:, :, 0], runs[:, :, 1]  # (members, 2)
    inside = (index >= starts[:, :, None]) & (index <= ends[:, :, None])
    run_columns = np.stack([inside, (index - starts[:, :, None]) / n, (index - ends[:, :, None]) / n,
                            np.broadcast_to(((ends - starts + 1) / n)[:, :, None], inside.shape)], axis=2)  # (members, 2, 4, lines)
    # The headline usually sits just above the body: the last headline-like line at or before the start of the
    # best run of content by characters.
    headlines = np.flatnonzero(features[:, _LINE_NAMES.index("title_shaped")] > 0)
    headlines_before = np.searchsorted(headlines, starts[:, 1], side="right")
    last_headline = np.zeros((k, n))
    for m, count in enumerate(headlines_before.tolist()):
        if count:
            last_headline[m, headlines[count - 1]] = 1.0
    share, depth = _cohesion(words, p >= 0.5)
    comment_marks, unlikely_between = _beyond_runs(features, p, starts[:, 1], ends[:, 1])
    blocks = [p, p.max(axis=1)[:, None], *np.moveaxis(_shifted(p.T, _NEIGHBOUR_OFFSETS, -1.0), 1, 0).swapaxes(1, 2),
              *np.moveaxis(_window_means(p.T, _P_WINDOWS), 1, 0).swapaxes(1, 2),
              *run_columns.reshape(k, 8, n).swapaxes(0, 1), last_headline, headlines_before[:, None].astype(np.float64),
              share, depth, comment_marks, unlikely_between]
    if len(blocks) != len(CONTEXT_NAMES):
        raise ValueError(f"{len(blocks)} context columns for {len(CONTEXT_NAMES)} names")
    for column, block in enumerate(blocks):
        context[:, :, column] = block
    return out


def context_features(features: np.ndarray, p: np.ndarray, texts: list[str], words: PageWords | None = None) -> np.ndarray:
    """The second stage's input for a page's non-blank lines (`features` as page_features returns them, `texts` the
    non-blank stripped lines, `words` their page_words when already computed): FEATURE_NAMES then CONTEXT_NAMES,
    from the first stage's probabilities p."""
    return context_rows(features, p[None, :], words if words is not None else page_words(texts))[0]

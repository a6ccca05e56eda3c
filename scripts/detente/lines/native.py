"""`detente compile-line-model`: the packaged line model's trees written as C (codegen.py), compiled with the
machine's C compiler, and put in place beside the model (for compiled.py to load) only after the library's
probabilities equal LightGBM's bit for bit on probe rows: one aimed at each leaf of every tree, and random rows
made of the split thresholds and the values next to them, zeros and NaN. Likewise line_features.c, only after
its rows equal features.py's on probe lines and probe pages."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detente.errors import DetenteError, InputError
from detente.lines import features
from detente.lines.codegen import ZERO_THRESHOLD, StageTrees, Tree, UnsupportedModel, c_source, parse_stage
from detente.lines.compiled import LINE_FEATURES_SOURCE, NativeFeatures, generator_sha256, line_features_sha256, load_library, load_line_features
from detente.lines.model import COMPILED_MODEL, PACKAGED_MODEL, STAGES, WIDTHS, LineModel, parse_model, stage_texts

RANDOM_PROBE_ROWS = 4000
PROBE_SEED = 13
COMPILE_TIMEOUT = 900  # seconds; the packaged model (six stages) compiles in about twenty


class CompileError(DetenteError):
    """The C compiler is missing or failed, or the library it made is not put in place."""


def compile_library(source: str, out: Path, compiler: str | None = None) -> None:
    """Compile C `source` into the shared library `out` (a new file: the caller puts it in place). Plain -O2
    without fast-math or contraction into fused multiply-adds: every sum and comparison is the one LightGBM makes."""
    cc = shlex.split(compiler or os.environ.get("CC") or "cc")  # CC may carry flags ("gcc -m64")
    if not cc or shutil.which(cc[0]) is None:
        raise CompileError(f"no C compiler {' '.join(cc)!r} on PATH (set CC to one)")
    with tempfile.TemporaryDirectory(prefix="detente-line-model-") as folder:
        c_file = Path(folder) / "line_model.c"
        c_file.write_text(source, encoding="utf-8")
        command = [*cc, "-O2", "-fPIC", "-shared", "-fno-fast-math", "-ffp-contract=off", "-o", str(out), str(c_file), "-lm"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=COMPILE_TIMEOUT)
        except OSError as err:
            raise CompileError(f"cannot run {cc[0]}: {err.strerror}") from None
        except subprocess.TimeoutExpired:
            raise CompileError(f"{cc[0]} did not finish in {COMPILE_TIMEOUT} s") from None
        if done.returncode != 0:
            out.unlink(missing_ok=True)
            raise CompileError(f"{' '.join(command[:-3])} ... failed ({done.returncode}):\n{done.stderr.strip()[-2000:]}")


def _leaf_rows(tree: Tree, width: int, fill: np.ndarray) -> np.ndarray:
    """One row per leaf that reaches it: along the leaf's path, each split feature gets a value inside the
    interval the path leaves it (the threshold itself to go left, the next double up to go right)."""
    rows = []
    paths: list[tuple[int, dict[int, tuple[float, float]]]] = [(0, {})] if tree.split_feature else []
    while paths:  # (node, feature -> (exclusive low, inclusive high))
        node, bounds = paths.pop()
        if node < 0:
            row = fill.copy()
            for feature, (low, high) in bounds.items():
                row[feature] = high if np.isfinite(high) else np.nextafter(low, np.inf)
            rows.append(row)
            continue
        feature, threshold = tree.split_feature[node], tree.threshold[node]
        low, high = bounds.get(feature, (-np.inf, np.inf))
        paths.append((tree.left_child[node], {**bounds, feature: (low, min(high, threshold))}))
        paths.append((tree.right_child[node], {**bounds, feature: (max(low, threshold), high)}))
    return np.array(rows).reshape(-1, width)


def probe_rows(stage: StageTrees, random_rows: int = RANDOM_PROBE_ROWS, seed: int = PROBE_SEED) -> np.ndarray:
    """Rows that put every kind of value at the trees' split points: one row aimed at each leaf of every tree,
    then random rows, each feature drawn from its thresholds, the doubles just beside them, 0, -0, NaN,
    values below LightGBM's zero threshold and 1, -1."""
    rng = np.random.default_rng(seed)
    by_feature: list[list[float]] = [[] for _ in range(stage.width)]
    for tree in stage.trees:
        for feature, threshold in zip(tree.split_feature, tree.threshold):
            by_feature[feature] += [threshold, np.nextafter(threshold, -np.inf), np.nextafter(threshold, np.inf)]
    special = [0.0, -0.0, np.nan, ZERO_THRESHOLD, -ZERO_THRESHOLD, ZERO_THRESHOLD / 2, 1.0, -1.0]
    drawn = np.empty((random_rows, stage.width))
    for feature, values in enumerate(by_feature):
        pool = np.array(values + special)
        drawn[:, feature] = pool[rng.integers(0, len(pool), random_rows)]
    fill = drawn[0] if random_rows else np.zeros(stage.width)
    return np.vstack([*(_leaf_rows(tree, stage.width, fill) for tree in stage.trees), drawn])


@dataclass(frozen=True)
class CompileReport:
    out: Path
    model_id: str
    seconds: float
    rows_checked: int  # probe rows over all stages


def compile_line_model(model_file: Path, out: Path, compiler: str | None = None) -> CompileReport:
    """Compile the model file's trees into the library `out`; the library replaces `out` only after its
    probabilities equal LightGBM's on the probe rows of every stage. DetenteError on any failure."""
    try:
        data = model_file.read_bytes()
    except OSError as err:
        raise InputError(str(model_file), f"cannot read the line model: {err.strerror}") from None
    reference: LineModel = parse_model(data, str(model_file))  # checks the file; LightGBM predicts the reference
    try:  # in the order parse_model loads them, named as the file names them
        stages = {name: parse_stage(text) for name, text in stage_texts(json.loads(data), str(model_file)).items()}
    except UnsupportedModel as err:
        raise CompileError(f"{model_file} cannot be compiled ({err})") from None
    boosters = [getattr(member, stage) for member in reference.members for stage in STAGES]
    sha256 = hashlib.sha256(data).hexdigest()
    started = time.perf_counter()
    with _staged(out) as staged:
        compile_library(c_source(list(stages.values()), sha256, generator_sha256()), staged, compiler)
        native = load_library(staged, sha256, WIDTHS * len(reference.members))
        if native is None:
            raise CompileError(f"{staged}: the library just compiled does not load")
        checked = 0
        for (name, stage), compiled_stage, booster in zip(stages.items(), native, boosters):
            rows = probe_rows(stage)
            expected, got = booster.predict(rows), compiled_stage.predict(rows)
            if not np.array_equal(expected, got):  # bit for bit: no NaN in probabilities
                raise CompileError(f"the compiled {name} differs from LightGBM on {int(np.sum(expected != got))} of {len(rows)} probe rows; not installed")
            checked += len(rows)
        _install(staged, out)
    return CompileReport(out, reference.model_id, time.perf_counter() - started, checked)


@contextmanager
def _staged(out: Path) -> Iterator[Path]:
    """A new file beside `out` to compile into, removed afterwards unless _install moved it to `out`. A new name
    per build: the dynamic loader hands back a library already loaded from the same path."""
    try:
        handle, staged_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".check")
    except OSError as err:
        raise CompileError(f"cannot write {out}: {err.strerror}") from None
    os.close(handle)
    staged = Path(staged_name)
    try:
        yield staged
    except OSError as err:
        raise CompileError(f"cannot write {out}: {err.strerror}") from None
    finally:
        staged.unlink(missing_ok=True)


def _install(staged: Path, out: Path) -> None:
    os.chmod(staged, 0o755)
    os.replace(staged, out)


PROBE_LINES = 20000
# Lines with a character line_features.c must leave to Python (checked to be refused before the library is used):
# digits beyond 0-9, the Greek capital sigma (its lower case depends on the next letter), letters whose case forms
# are ASCII (re.IGNORECASE matches "ſ" to "s"; "ß" is left out for its upper case "SS"), a lower case of two
# characters, and code points beyond the table.
UNKNOWN_LINES = ("٣:٤٥ pm", "Year ²⁰²³", "ΣΟΦΙΑ says", "he ſays", "ﬁrst", "İstanbul", "Kelvin \u212a", "straße", "東京 says", "emoji 🙂", "x\ud800y")
# Hand-written probe lines: the edges of each feature line_features.c computes (years and clock times against
# longer numbers, speech verbs before colons and odd whitespace, closers before terminals, words that are only
# punctuation, control whitespace, very long lines).
EDGE_LINES = (
    "a", "A", "-", "::", "x:", "1999", "a 1999 b", "11999", "19999", "2023.", "x2023", "20 23", "7:45", "07:45 am",
    "123:45", "1:234", "12:3", "at 12:30", "9:99:99", "he says", "HE SAYS:", "she said :", "replied::", "Wrote",
    "he writes\x1c:", "joetoronto says:", '"Quoted."', "'quoted'", "(Brackets.)", "end?)", "end!]", "...", "a . b",
    "a. b? c! d", "* bullet", "- dash", "a | b / c > d", "user@example.com", "http://x", "WWW.EXAMPLE", "ALL CAPS LINE",
    "MiXeD", "Share this story on Facebook", "Read more", "word\x0bword\x0cword\x1dword", "a\tb", "'''''", "(((a)))",
    "Four Capitalised Words Here", "The quick brown fox jumps over the lazy dog.", "x" * 3000, "word " * 400 + "end.",
)


def probe_lines(count: int = PROBE_LINES, seed: int = PROBE_SEED) -> list[str]:
    """Stripped lines of characters line_features.c knows, exercising every branch: EDGE_LINES, then random lines
    of stop words, marker words, speech verbs in any case, years, clock times, numbers and words in other
    alphabets, with the punctuation, bullet, quote, closer and separator characters and NUL stuck to them and
    every kind of whitespace the table knows between them."""
    rng = random.Random(seed)
    vocabulary = [*sorted(features.STOP_WORDS), *features.MARKERS, "says", "SAID", "Wrote", "writes", "RePlied", "1999", "2020",
                  "20201", "7:45", "12:30", "123:45", "3", "42", "Beijing", "TRADE", "talks", "resumed", "U.S.", "Xi", "Beijing’s",
                  "“Yes”", "Zürich", "ÉLYSÉE", "Ñandú", "Москва", "СКАЗАЛ", "Ελλάδα", "ΑΘΗΝΑ", "€5", "½", "Ⅻ", "naïve", "™", "°C"]
    marks = [mark for mark in features.native_line_rows_lists()[2:] for mark in mark] + list("@#%&=+_~`$^\\\0")
    spaces = [" "] * 12 + ["  ", "\t", "\x0b", "\x0c", "\r", "\x1c", "\x1f", "\xa0", "\u2009", "\u202f"]
    lines = list(EDGE_LINES)
    while len(lines) < count:
        pieces = []
        for _ in range(rng.choice((1, 2, 3, 4, 6, 9, 12, 15, 20, 26, 40))):
            word = rng.choice(vocabulary) if rng.random() < 0.8 else "".join(rng.choices(marks, k=rng.randint(1, 3)))
            if rng.random() < 0.2:
                word = rng.choice(marks) + word
            if rng.random() < 0.3:
                word += rng.choice(marks)
            pieces += [word, rng.choice(spaces)]
        line = "".join(pieces).strip()
        if line:
            lines.append(line[0].upper() + line[1:] if rng.random() < 0.5 else line)
    return lines


PROBE_PAGES = 400
_NEAR_HALF = (0.0, 1.0, 0.5, float(np.nextafter(0.5, 0.0)), float(np.nextafter(0.5, 1.0)), 0.25, 0.75)


def probe_pages(lines: list[str], count: int = PROBE_PAGES, seed: int = PROBE_SEED) -> list[tuple[list[str], np.ndarray]]:
    """Pages made of probe `lines`, each with first-stage probabilities of one or three members, for the page rows
    of line_features.c: one line to 600, lines repeated (a pool of one to all), short lines only (no prose, no
    content words), a line of UNKNOWN_LINES among the others, and probabilities uniform, at and next to 1/2 (ties
    of the best run), or all below 1/2."""
    rng = random.Random(seed)
    short = [line for line in lines if len(line.split()) < 4]
    pages = []
    for number in range(count):
        size = rng.choice((1, 2, 3, 5, 8, 20, 60, 150, 600))
        source = short if number % 5 == 0 else lines
        pool = rng.sample(source, min(len(source), rng.choice((1, 3, size))))
        texts = [rng.choice(pool) for _ in range(size)]
        if number % 7 == 3:  # a line the C leaves to Python, among those it takes
            texts[rng.randrange(size)] = rng.choice(UNKNOWN_LINES)
        kind = number % 3
        draw = (rng.random if kind == 0 else (lambda: rng.choice(_NEAR_HALF)) if kind == 1 else (lambda: 0.49 * rng.random()))
        pages.append((texts, np.array([[draw() for _ in texts] for _ in range(rng.choice((1, 3)))])))
    return pages


def _same_words(a: features.PageWords, b: features.PageWords) -> bool:
    arrays = ("chars", "word_ids", "line_of_word", "per_line")
    return a.distinct == b.distinct and all(getattr(a, f).dtype == getattr(b, f).dtype and getattr(a, f).tobytes() == getattr(b, f).tobytes() for f in arrays)


def page_rows_differ(native: NativeFeatures, texts: list[str], p: np.ndarray) -> str | None:
    """What of a page's rows line_features.c computes otherwise than Python ("page lines": the lines' rows and the
    page's words in one call, "page features" or "context rows"), compared bit for bit; None when nothing."""
    own, words = features._native_rows_and_words(native, texts)
    rows = [features.python_line_row(text) for text in texts]
    if own.tobytes() != b"".join(row for row, _ in rows) or not _same_words(words, features._numbered_words(texts, [w for _, w in rows])):
        return "page lines"
    columns = features.page_columns(texts)
    expected = features.numpy_page_features(*columns)
    if native.page_features(*columns).tobytes() != expected.tobytes():
        return "page features"
    words = features.page_words(texts)
    got = native.context_rows(expected, p, words.chars, words.word_ids, words.line_of_word, words.distinct, words.per_line)
    return "context rows" if got.tobytes() != features.numpy_context_rows(expected, p, words).tobytes() else None


CHARACTER_TABLE_SIZE = 0x3000  # TABLE_SIZE in line_features.c: Latin, Greek, Cyrillic, punctuation, symbols
_KNOWN, _ALPHA, _UPPER, _SPACE = 1, 2, 4, 8


def character_flags(character: str) -> tuple[int, int]:
    """(flags, lower-case code point) of one character for line_features.c's table, from Python's own str methods.
    Known unless the C would treat it otherwise than Python: a digit beyond 0-9, a lower case that is not one
    character or depends on the neighbours (final sigma), or, outside ASCII, a case form in ASCII (which
    re.IGNORECASE would match to an ASCII letter)."""
    lower = character.lower()
    known = not (
        (character.isdigit() and not ("0" <= character <= "9")) or len(lower) != 1 or character == "\u03a3"
        or (not character.isascii() and any(form.isascii() for form in (lower, character.upper(), character.casefold())))
    )
    flags = (known * _KNOWN) | (character.isalpha() * _ALPHA) | (character.isupper() * _UPPER) | (character.isspace() * _SPACE)
    return flags, ord(lower) if known else 0


def character_table() -> str:
    """C for line_features.c's character table, from this Python's Unicode database."""
    entries = [character_flags(chr(code)) for code in range(CHARACTER_TABLE_SIZE)]
    flags = ",".join(str(flag) for flag, _ in entries)
    lowers = ",".join(str(lower) for _, lower in entries)
    return (f"const unsigned char detente_character_flags[{CHARACTER_TABLE_SIZE}] = {{{flags}}};\n"
            f"const uint16_t detente_character_lower[{CHARACTER_TABLE_SIZE}] = {{{lowers}}};\n")


def line_features_c_source() -> str:
    """line_features.c with its character table and the fingerprint of what it was built from."""
    return (LINE_FEATURES_SOURCE.read_text(encoding="utf-8") + "\n" + character_table()
            + f'const char detente_line_features_sha256[] = "{line_features_sha256()}";\n')


def compile_line_features(out: Path, compiler: str | None = None) -> int:
    """Compile line_features.c (with its character table) into the library `out`, put in place only after it
    takes every probe line and its row and content words equal features.python_line_row's, bit for bit, and it
    refuses the lines of UNKNOWN_LINES; the number of probe lines that agreed."""
    with _staged(out) as staged:
        compile_library(line_features_c_source(), staged, compiler)
        native = load_line_features(staged, features.LINE_COLUMNS, features.LINE_WIDTH, features.native_line_rows_lists(), features.native_page_layout())
        if native is None:
            raise CompileError(f"{staged}: the line-features library just compiled does not load")
        lines = probe_lines()
        for line in lines:
            if features.native_line_row(native, line) != features.python_line_row(line):
                raise CompileError(f"the compiled line features differ from features.py on the probe line {line[:80]!r}; not installed")
        for line in UNKNOWN_LINES:
            if features.native_line_row(native, line) is not None:
                raise CompileError(f"the compiled line features take {line!r}, which they must leave to Python; not installed")
        for number, (texts, p) in enumerate(probe_pages(lines)):
            differs = page_rows_differ(native, texts, p)
            if differs is not None:
                raise CompileError(f"the compiled {differs} differ from features.py's on probe page {number} ({len(texts)} lines); not installed")
        _install(staged, out)
    return len(lines)


def main_compile_line_model(if_possible: bool = False, compiler: str | None = None) -> int:
    started = time.perf_counter()
    try:
        lines_checked = compile_line_features(features.NATIVE_LINE_FEATURES, compiler)
    except CompileError as err:
        if not if_possible:
            raise DetenteError(f"cannot compile the line features: {err}") from None
        # `make env` on a machine without a working compiler: the cleaner still runs, in Python
        print(f"line features not compiled: {err}. The cleaner computes them in Python (same results, slower).", file=sys.stderr)
    else:
        print(f"compiled the line features (line_features.c) to {features.NATIVE_LINE_FEATURES} in {time.perf_counter() - started:.1f} s; "
              f"rows identical to features.py's on all {lines_checked:,} probe lines and {PROBE_PAGES} probe pages, and the {len(UNKNOWN_LINES)} lines it must leave to Python refused")
    try:
        report = compile_line_model(PACKAGED_MODEL, COMPILED_MODEL, compiler)
    except CompileError as err:
        if if_possible:  # as above: the trees run on LightGBM
            print(f"line model not compiled: {err}. The cleaner uses LightGBM's predictor (same results, slower).", file=sys.stderr)
            return 0
        raise DetenteError(f"cannot compile the line model: {err}") from None
    print(f"compiled {report.model_id} to {report.out} in {report.seconds:.1f} s; "
          f"probabilities identical to LightGBM's on all {report.rows_checked:,} probe rows (a row aimed at each leaf of every tree, and random rows)")
    return 0

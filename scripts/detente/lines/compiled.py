"""Load the libraries `detente compile-line-model` builds (native.py) with ctypes: the packaged line model's
compiled trees, and line_features.c (a line's own features, a page's rows; see load_line_features).

A library is used only when it says it was compiled from exactly the model file being loaded (the file's
SHA-256) by exactly this version's generator (codegen.py's SHA-256): otherwise, with a warning that says how to
rebuild it, LightGBM runs the model. The hashes detect a stale library, not a forged one: loading a library runs
its code, and only the one in the package folder, which `make env` builds, is ever loaded. A model passed by path
always runs on LightGBM.
"""

from __future__ import annotations

import ctypes
import hashlib
import threading
import unicodedata
import warnings
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path

import numpy as np

GENERATOR = Path(__file__).with_name("codegen.py")


@cache
def generator_sha256() -> str:
    """Names the generator that writes the C: a library written by another version of it is not used."""
    return hashlib.sha256(GENERATOR.read_bytes()).hexdigest()


class CompiledStage:
    """One stage of a compiled model, with TextBooster's predict()."""

    def __init__(self, library: ctypes.CDLL, index: int, width: int) -> None:
        self._function, self._index, self.num_features = library.detente_predict, index, width

    def __reduce__(self) -> tuple:  # copy, deepcopy and pickle all ask for it
        raise TypeError("a CompiledStage holds a loaded library and cannot be copied or pickled: load the model in each process")

    def predict(self, rows: np.ndarray) -> np.ndarray:
        data = np.ascontiguousarray(rows, dtype=np.float64)
        if data.ndim != 2 or data.shape[1] != self.num_features:
            raise ValueError(f"expected {self.num_features} features per row, got shape {data.shape}")
        out = np.empty(data.shape[0], dtype=np.float64)
        status = self._function(self._index, data.ctypes.data, data.shape[0], data.shape[1], out.ctypes.data)
        if status == 2:
            raise MemoryError("the compiled line model could not allocate its row buffer")
        if status != 0:
            raise ValueError(f"the compiled line model refused stage {self._index} with {data.shape[1]} features (status {status})")
        return out


def _text(library: ctypes.CDLL, symbol: str) -> bytes:
    return (ctypes.c_char * 65).in_dll(library, symbol).value  # a char array (64 hex digits and NUL), not a pointer


def load_library(path: Path, model_sha256: str, widths: tuple[int, ...]) -> tuple[CompiledStage, ...] | None:
    """The stages of the library at `path` (their feature counts `widths`) when it was compiled from the model
    file with this SHA-256 by this generator; None when there is no library (LightGBM predicts). A library that
    cannot be loaded, or was built from another model or by another generator, is not used, with a warning that
    says how to rebuild it."""
    if not path.is_file():
        return None
    rebuild = "using LightGBM. Rebuild it with `detente compile-line-model`"
    try:
        library = ctypes.CDLL(str(path))
        compiled_for, generator = _text(library, "detente_line_model_sha256"), _text(library, "detente_generator_sha256")
        stages = ctypes.c_int.in_dll(library, "detente_line_model_stages").value
    except (OSError, ValueError) as err:
        warnings.warn(f"{path}: not a compiled line model ({err}); {rebuild}", stacklevel=2)
        return None
    if generator != generator_sha256().encode("ascii"):
        warnings.warn(f"{path} was compiled by another version of detente; {rebuild}", stacklevel=2)
        return None
    if compiled_for != model_sha256.encode("ascii") or stages != len(widths):
        warnings.warn(f"{path} was compiled from another line model; {rebuild}", stacklevel=2)
        return None
    function = library.detente_predict
    function.restype = ctypes.c_int
    function.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_long, ctypes.c_long, ctypes.c_void_p]
    return tuple(CompiledStage(library, k, width) for k, width in enumerate(widths))


# ---------------------------------------------------------------------------------------------------------
# A line's own features in C (line_features.c): the same rows as features.py computes
# ---------------------------------------------------------------------------------------------------------

LINE_FEATURES_SOURCE = Path(__file__).with_name("line_features.c")
FEATURES_MODULE = Path(__file__).with_name("features.py")
TABLE_WRITER = Path(__file__).with_name("native.py")  # writes the character table compiled into the library
_LOADING = threading.Lock()  # detente_line_features_init runs once per process: two threads must not both run it


def line_features_sha256() -> str:
    """Names what the line-features library computes: its C, the Python it must agree with (features.py), the code
    that writes its character table (native.py) and the Unicode database the table comes from. A change to any
    leaves the library unused until it is rebuilt."""
    parts = [LINE_FEATURES_SOURCE.read_bytes(), FEATURES_MODULE.read_bytes(), TABLE_WRITER.read_bytes(), unicodedata.unidata_version.encode("ascii")]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _code_points(text: str) -> bytes:
    return text.encode("utf-32-le", "surrogatepass")


@dataclass(frozen=True)
class PageLayout:
    """What line_features.c's page functions need of features.py (detente_page_layout_init's arguments): the line
    width, the prose_like, title_shaped, author_says and marker_comment columns, then the neighbour columns, the
    offsets, the window columns, the windows and the windows of the first stage's probabilities (each list as its
    length and its values); log1p of 0, 1, ...; and the widths the page rows must have."""

    layout: tuple[int, ...]
    log1p_table: np.ndarray
    feature_width: int
    context_width: int


@dataclass(frozen=True)
class PageLines:
    """What line_features.c computes of a page's lines in one call. rows[i] and line i's content words when taken[i];
    the other lines are left to Python (their rows zero, no words). The taken lines' words: line i's are
    words[word_ends[i - 1]:word_ends[i]] (from 0 for the first line; '\n' between words), word_counts[i] of them;
    numbered in order of first use over the taken lines' words, line after line (word_ids, each with its line in
    line_of_word; `distinct` ids)."""

    rows: np.ndarray
    taken: np.ndarray
    words: str
    word_ends: np.ndarray
    word_counts: np.ndarray
    word_ids: np.ndarray
    line_of_word: np.ndarray
    distinct: int


def _status(status: int, what: str) -> None:
    if status == 2:
        raise MemoryError(f"the compiled {what} could not allocate memory")
    if status != 0:
        raise ValueError(f"the compiled {what} returned status {status}")


def _pointer(array: np.ndarray) -> int:
    """The address of `array`'s data: the caller keeps `array` referenced until the C returns."""
    return array.ctypes.data


class NativeFeatures:
    """The functions of a loaded line-features library. row: detente_line_row, a line's row (as packed doubles) and
    its content words, or None for a line the C does not handle (Python computes those); each thread reuses its
    own buffers. page_features and context_rows: a page's rows, as features.numpy_page_features and
    numpy_context_rows compute them."""

    def __init__(self, library: ctypes.CDLL, width: int, page: PageLayout) -> None:
        self._function, self.width, self._page = library.detente_line_row, width, page
        self._function.restype = ctypes.c_int
        self._function.argtypes = [ctypes.c_char_p, ctypes.c_long, ctypes.c_int, ctypes.c_long, ctypes.c_void_p,
                                   ctypes.c_void_p, ctypes.c_long, ctypes.c_void_p]
        self._buffers = threading.local()
        self._page_features, self._context_rows = library.detente_page_features, library.detente_context_rows
        self._page_lines = library.detente_page_lines
        long, pointer = ctypes.c_long, ctypes.c_void_p
        self._page_features.restype = self._context_rows.restype = self._page_lines.restype = ctypes.c_int
        # n, text, starts, rule classes, width, rows, taken, words, room, word ends, word counts, word ids, line of word, words, distinct
        self._page_lines.argtypes = [long, ctypes.c_char_p, pointer, pointer, long, pointer, pointer, pointer, long, pointer, pointer,
                                     pointer, pointer, pointer, pointer]
        self._page_features.argtypes = [long, pointer, pointer, pointer, pointer, pointer]  # n, own, repeats, echoed, chars, out
        # k, n, features, p, each member's largest p, chars, words, word ids, line of each word, distinct words, words per line, out
        self._context_rows.argtypes = [long, long, pointer, pointer, pointer, pointer, long, pointer, pointer, long, pointer, pointer]

    def page_lines(self, texts: list[str], rule_classes: list[int]) -> PageLines:
        """detente_page_lines: every line's row and content words in one call (see PageLines)."""
        n = len(texts)
        starts = np.fromiter(accumulate(map(len, texts), initial=0), dtype=np.int64, count=n + 1)
        room = int(starts[-1])
        rows, taken = np.zeros((n, self.width)), np.zeros(n, dtype=np.int32)
        words, word_ends, word_counts = np.zeros(max(room, 1), dtype=np.uint32), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        word_ids, line_of_word = np.zeros(max(room, 1), dtype=np.int64), np.zeros(max(room, 1), dtype=np.int64)
        n_words, distinct = ctypes.c_long(), ctypes.c_long()
        classes = np.array(rule_classes, dtype=np.int32)  # held here: a pointer does not keep its array alive
        status = self._page_lines(n, _code_points("".join(texts)), _pointer(starts), _pointer(classes),
                                  self.width, _pointer(rows), _pointer(taken), _pointer(words), room, _pointer(word_ends),
                                  _pointer(word_counts), _pointer(word_ids), _pointer(line_of_word), ctypes.byref(n_words), ctypes.byref(distinct))
        _status(status, "line features")
        return PageLines(rows, taken.astype(bool), words[: int(word_ends[-1]) if n else 0].tobytes().decode("utf-32-le"), word_ends,
                         word_counts, word_ids[: n_words.value], line_of_word[: n_words.value], distinct.value)

    def page_features(self, own: np.ndarray, repeats: np.ndarray, echoed: np.ndarray, chars: np.ndarray) -> np.ndarray:
        n = len(own)
        columns = [np.ascontiguousarray(values, dtype=np.float64) for values in (own, repeats, echoed, chars)]
        if columns[0].shape != (n, self.width) or any(values.shape != (n,) for values in columns[1:]):
            raise ValueError(f"page features of {n} lines: shapes {[values.shape for values in columns]}")
        out = np.empty((n, self._page.feature_width))
        status = self._page_features(n, *map(_pointer, columns), _pointer(out))
        if status == 4:
            raise ValueError("page features: each line's count and length must be a whole number from 1")
        _status(status, "page features")
        return out

    def context_rows(self, features: np.ndarray, p: np.ndarray, chars: np.ndarray, word_ids: np.ndarray,
                     line_of_word: np.ndarray, distinct: int, per_line: np.ndarray) -> np.ndarray:
        k, n = p.shape
        doubles = [np.ascontiguousarray(values, dtype=np.float64) for values in (features, p, p.max(axis=1), chars)]
        whole = [np.ascontiguousarray(values, dtype=np.int64) for values in (word_ids, line_of_word, per_line)]
        if (doubles[0].shape != (n, self._page.feature_width) or doubles[3].shape != (n,) or whole[2].shape != (n,)
                or whole[0].shape != whole[1].shape or whole[0].ndim != 1 or not 0 <= distinct
                or (len(whole[0]) and not (0 <= whole[0].min() and whole[0].max() < distinct and 0 <= whole[1].min() and whole[1].max() < n))):
            raise ValueError(f"context rows of {k} members and {n} lines: inconsistent shapes or word ids")
        out = np.empty((k, n, self._page.feature_width + self._page.context_width))
        status = self._context_rows(k, n, *map(_pointer, doubles), len(whole[0]), _pointer(whole[0]), _pointer(whole[1]), distinct, _pointer(whole[2]), _pointer(out))
        _status(status, "context rows")
        return out

    def __reduce__(self) -> tuple:
        raise TypeError("NativeFeatures holds a loaded library and cannot be copied or pickled")

    def row(self, text: str, rule_class: int) -> tuple[bytes, tuple[str, ...]] | None:
        buffers = self._buffers
        if getattr(buffers, "room", -1) < len(text):  # room for the words: at most the line's length
            buffers.room = max(4096, len(text))
            buffers.row, buffers.words = ctypes.create_string_buffer(8 * self.width), ctypes.create_string_buffer(4 * buffers.room)
            buffers.length = ctypes.c_long()
        status = self._function(_code_points(text), len(text), rule_class, self.width, buffers.row, buffers.words, buffers.room, ctypes.byref(buffers.length))
        if status == 1:
            return None
        _status(status, "line features")
        length = buffers.length.value
        return buffers.row.raw, tuple(ctypes.string_at(buffers.words, 4 * length).decode("utf-32-le").split("\n")) if length else ()


def load_line_features(path: Path, columns: tuple[str, ...], width: int, lists: tuple[str, ...], page: PageLayout) -> NativeFeatures | None:
    """The library at `path` when it was built from this line_features.c, features.py and Unicode database, writes
    these `columns` (the line columns before the markers), accepts `lists` (detente_line_features_init's
    arguments) and the `page` layout, and then writes page rows of its widths; None when there is none (Python
    computes every row) or, with a warning, when it is stale or damaged."""
    if not path.is_file():
        return None
    rebuild = "line features are computed in Python. Rebuild it with `detente compile-line-model`"
    try:
        library = ctypes.CDLL(str(path))
        built_from = _text(library, "detente_line_features_sha256")
        written = ctypes.c_char_p.in_dll(library, "detente_line_feature_columns_text").value or b""
    except (OSError, ValueError) as err:
        warnings.warn(f"{path}: not a line-features library ({err}); {rebuild}", stacklevel=2)
        return None
    if built_from != line_features_sha256().encode("ascii") or written.decode("ascii").split("\n") != list(columns):
        warnings.warn(f"{path} was built from another version of detente; {rebuild}", stacklevel=2)
        return None
    init = library.detente_line_features_init
    init.restype = ctypes.c_int
    init.argtypes = [ctypes.c_char_p, ctypes.c_long] * len(lists)
    arguments = [value for text in lists for value in (_code_points(text), len(text))]
    layout_init = library.detente_page_layout_init
    layout_init.restype = ctypes.c_int
    layout_init.argtypes = [ctypes.c_void_p, ctypes.c_long, ctypes.c_void_p, ctypes.c_long]
    layout = np.array(page.layout, dtype=np.int64)
    table = np.ascontiguousarray(page.log1p_table, dtype=np.float64)
    with _LOADING:  # the first calls fill the library's lists; later calls (the same library loaded again) keep them
        accepted = init(*arguments) == 0 and layout_init(_pointer(layout), len(layout), _pointer(table), len(table)) == 0
    if not accepted or library.detente_line_features_markers() + len(columns) != width:
        warnings.warn(f"{path} refused features.py's word lists or page layout; {rebuild}", stacklevel=2)
        return None
    library.detente_page_feature_width.restype = library.detente_page_context_width.restype = ctypes.c_long
    if (library.detente_page_feature_width(), library.detente_page_context_width()) != (page.feature_width, page.context_width):
        warnings.warn(f"{path} writes page rows of other widths than features.py's names; {rebuild}", stacklevel=2)
        return None
    return NativeFeatures(library, width, page)

"""Load the packaged line model's compiled trees (built by `detente compile-line-model`, native.py) with ctypes.

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
from functools import cache
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


class NativeLineRows:
    """detente_line_row of a loaded line-features library: a line's row (as packed doubles) and its content words,
    or None for a line the C does not handle (Python computes those). Each thread reuses its own buffers."""

    def __init__(self, library: ctypes.CDLL, width: int) -> None:
        self._function, self.width = library.detente_line_row, width
        self._function.restype = ctypes.c_int
        self._function.argtypes = [ctypes.c_char_p, ctypes.c_long, ctypes.c_int, ctypes.c_long, ctypes.c_void_p,
                                   ctypes.c_void_p, ctypes.c_long, ctypes.c_void_p]
        self._buffers = threading.local()

    def __reduce__(self) -> tuple:
        raise TypeError("NativeLineRows holds a loaded library and cannot be copied or pickled")

    def row(self, text: str, rule_class: int) -> tuple[bytes, tuple[str, ...]] | None:
        buffers = self._buffers
        if getattr(buffers, "room", -1) < len(text):  # room for the words: at most the line's length
            buffers.room = max(4096, len(text))
            buffers.row, buffers.words = ctypes.create_string_buffer(8 * self.width), ctypes.create_string_buffer(4 * buffers.room)
            buffers.length = ctypes.c_long()
        status = self._function(_code_points(text), len(text), rule_class, self.width, buffers.row, buffers.words, buffers.room, ctypes.byref(buffers.length))
        if status == 1:
            return None
        if status != 0:
            raise MemoryError("the compiled line features could not allocate memory") if status == 2 else ValueError(f"line features status {status}")
        length = buffers.length.value
        return buffers.row.raw, tuple(ctypes.string_at(buffers.words, 4 * length).decode("utf-32-le").split("\n")) if length else ()


def load_line_features(path: Path, columns: tuple[str, ...], width: int, lists: tuple[str, ...]) -> NativeLineRows | None:
    """The library at `path` when it was built from this line_features.c, features.py and Unicode database, writes
    these `columns` (the line columns before the markers) and accepts `lists` (detente_line_features_init's
    arguments); None when there is none (Python computes every row) or, with a warning, when it is stale or damaged."""
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
    with _LOADING:  # the first call fills the library's lists; later calls (the same library loaded again) keep them
        accepted = init(*arguments) == 0
    if not accepted or library.detente_line_features_markers() + len(columns) != width:
        warnings.warn(f"{path} refused features.py's word lists; {rebuild}", stacklevel=2)
        return None
    return NativeLineRows(library, width)

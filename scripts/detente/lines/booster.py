"""LightGBM's C library, called directly for prediction.

The lightgbm Python package imports pandas and scikit-learn when they are installed (over a second per
process) and checks every input on each call; the cleaner predicts once per page, so both costs would
dominate. This module loads `lib_lightgbm` (shipped in the lightgbm wheel) and uses its documented C API
(LGBM_BoosterLoadModelFromString, LGBM_BoosterPredictForMat) on a model in LightGBM's own text format:
parsed by LightGBM, never executed, no pickle. Training still uses the lightgbm package.
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from functools import cache
from pathlib import Path

import numpy as np

from detente.errors import DetenteError

_FLOAT64 = 1  # C_API_DTYPE_FLOAT64
_PREDICT_NORMAL = 0  # C_API_PREDICT_NORMAL: the objective's output (a probability for `binary`)
_ROW_MAJOR = 1


class BoosterError(DetenteError):
    """LightGBM refused a model (its own message)."""


@cache
def _library() -> ctypes.CDLL:
    spec = importlib.util.find_spec("lightgbm")  # finds the installed package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise DetenteError("the lightgbm package is not installed (the cleaner's line model needs its library)")
    name = {"win32": "lib_lightgbm.dll", "darwin": "lib_lightgbm.dylib"}.get(sys.platform, "lib_lightgbm.so")
    path = Path(next(iter(spec.submodule_search_locations))) / "lib" / name
    library = ctypes.cdll.LoadLibrary(str(path))
    library.LGBM_GetLastError.restype = ctypes.c_char_p
    return library


def _check(status: int) -> None:
    if status != 0:
        raise BoosterError(_library().LGBM_GetLastError().decode("utf-8", "replace"))


class TextBooster:
    """A LightGBM model loaded from its text format, for prediction only."""

    def __init__(self, model_text: str) -> None:
        if "\x00" in model_text:
            raise BoosterError("the model text contains a NUL character")
        library = _library()
        self._handle = ctypes.c_void_p()
        iterations = ctypes.c_int(0)
        _check(library.LGBM_BoosterLoadModelFromString(ctypes.c_char_p(model_text.encode("utf-8")), ctypes.byref(iterations), ctypes.byref(self._handle)))
        features = ctypes.c_int(0)
        _check(library.LGBM_BoosterGetNumFeature(self._handle, ctypes.byref(features)))
        self.num_features = features.value
        self._parameters = ctypes.c_char_p(b"num_threads=1")  # one page at a time: threads cost more than they save

    def __copy__(self) -> TextBooster:
        raise TypeError("a TextBooster owns a LightGBM handle and cannot be copied")

    def __deepcopy__(self, memo: dict) -> TextBooster:
        raise TypeError("a TextBooster owns a LightGBM handle and cannot be copied")

    def __reduce__(self) -> tuple:
        raise TypeError("a TextBooster cannot be pickled: load the model file in each process")

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value:
            _library().LGBM_BoosterFree(handle)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """One prediction per row of a (n, num_features) matrix."""
        data = np.ascontiguousarray(rows, dtype=np.float64)
        n = data.shape[0]
        if n == 0:
            return np.zeros(0)
        if data.ndim != 2 or data.shape[1] != self.num_features:
            raise BoosterError(f"expected {self.num_features} features per row, got shape {data.shape}")
        out = np.empty(n, dtype=np.float64)
        written = ctypes.c_int64(0)
        _check(_library().LGBM_BoosterPredictForMat(
            self._handle, data.ctypes.data_as(ctypes.c_void_p), ctypes.c_int(_FLOAT64), ctypes.c_int32(n),
            ctypes.c_int32(self.num_features), ctypes.c_int(_ROW_MAJOR), ctypes.c_int(_PREDICT_NORMAL),
            ctypes.c_int(0), ctypes.c_int(-1), self._parameters, ctypes.byref(written), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
        ))
        if written.value != n:
            raise BoosterError(f"LightGBM wrote {written.value} predictions for {n} rows")
        return out

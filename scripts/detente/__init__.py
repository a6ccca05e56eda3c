"""DETENTE: annotated news on US-China diplomacy (2023) and the pipeline that builds it."""

from detente.native import check_native_modules
from detente.version import DATASET_VERSION

check_native_modules()  # before any submodule: a compiled cleaner older than its source must not run

__version__ = DATASET_VERSION
__all__ = ["DATASET_VERSION", "__version__"]

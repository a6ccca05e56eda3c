"""DETENTE: annotated news on US-China diplomacy (2023) and the pipeline that builds it."""

from detente.version import DATASET_VERSION

__version__ = DATASET_VERSION
__all__ = ["DATASET_VERSION", "__version__"]

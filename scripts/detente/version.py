"""The one place the dataset version lives (read by pyproject, the build, the card)."""

DATASET_VERSION = "0.9.0"

# Two entry points for a fresh clone: `make dataset` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: dataset test env site label bench bench-label clean-env
.DEFAULT_GOAL := test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# A fresh venv's pip is too old to resolve some extras: upgrade it first.
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

env: $(STAMP)

## Build the current release under annotated/<version>/ (refuses to change a published version).
dataset: $(STAMP)
	$(BIN)/detente build

## Lint (ruff), type-check (mypy) and run the test suite (CI runs exactly this).
test: $(STAMP)
	$(BIN)/ruff check scripts tests
	$(BIN)/mypy
	$(BIN)/python -m pytest

## Write the static HTML browser of the current release into site/.
site: $(STAMP)
	$(BIN)/detente site

## Review documents in a local Label Studio (optional; installs label-studio==1.23.2 in .venv-label on first use).
label: $(STAMP)
	bash scripts/label_studio.sh

## Benchmark: 1k/10k/100k synthetic articles end to end, and the cleaners side by side on labelled pages (about 10 minutes; prints figures).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python scripts/benchmark.py

## Time the review round trip of one new article (add, pre-annotate, two Label Studio review rounds, build); prints figures. Uses Label Studio too if `make label` installed it.
bench-label: $(STAMP)
	$(BIN)/python scripts/bench_label_round_trip.py

clean-env:
	rm -rf $(VENV)

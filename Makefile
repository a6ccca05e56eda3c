# Two entry points for a fresh clone: `make dataset` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The packaged line model's trees as native code (detente.lines.compiled): same probabilities as LightGBM, faster;
# and a line's own features in C (line_features.c, beside it): the same rows as features.py, faster.
# Without a C compiler the command says so and the cleaner uses LightGBM and Python; rebuilt when a source changes.
COMPILED := scripts/detente/lines/line_model.so

.PHONY: dataset test env site label bench bench-label clean-env
.DEFAULT_GOAL := test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# A fresh venv's pip is too old to resolve some extras: upgrade it first.
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(COMPILED): $(STAMP) scripts/detente/lines/line_model.json scripts/detente/lines/codegen.py scripts/detente/lines/line_features.c scripts/detente/lines/features.py scripts/detente/lines/native.py scripts/detente/lines/compiled.py
	$(BIN)/detente compile-line-model --if-possible

env: $(STAMP) $(COMPILED)

## Build the current release under annotated/<version>/ (refuses to change a published version).
dataset: env
	$(BIN)/detente build

## Lint (ruff), type-check (mypy) and run the test suite (CI runs exactly this).
test: env
	$(BIN)/ruff check scripts tests
	$(BIN)/mypy
	$(BIN)/python -m pytest

## Write the static HTML browser of the current release into site/.
site: env
	$(BIN)/detente site

## Review documents in a local Label Studio (optional; installs label-studio==1.23.2 in .venv-label on first use).
label: $(STAMP)
	bash scripts/label_studio.sh

## Benchmark: 1k/10k/100k synthetic articles end to end, and the cleaners side by side on labelled pages (about 10 minutes; prints figures).
bench: env
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python scripts/benchmark.py

## Time the review round trip of one new article (add, pre-annotate, two Label Studio review rounds, build); prints figures. Uses Label Studio too if `make label` installed it.
bench-label: env
	$(BIN)/python scripts/bench_label_round_trip.py

clean-env:
	rm -rf $(VENV) $(COMPILED) scripts/detente/lines/line_features.so

# Everyday tasks. Each runs the same tools, from the same .venv, as the README's commands and .ci/run.
# `make install` first (the README's install: pinned runtime and tools); `make help` lists the targets.
VENV ?= .venv
PY := $(VENV)/bin/python
# The benchmark's module (python -m ...); see README, "Benchmark".
BENCH_MODULE ?= bench
BENCH_ARGS ?= --markdown BENCHMARKS.md --json benchmarks.json
PYTEST_ARGS ?=

.PHONY: help install test lint format typecheck ci bench demo hooks

help:
	@echo "make install    .venv with the pinned runtime and tools (requirements-dev.txt), translations compiled"
	@echo "make test       the test suite (PYTEST_ARGS='-k redline -x' to narrow it)"
	@echo "make lint       ruff check and ruff format --check"
	@echo "make format     ruff format and ruff check --fix"
	@echo "make typecheck  mypy on the whole application package"
	@echo "make ci         .ci/run: everything CI runs, on SQLite and PostgreSQL"
	@echo "make bench      the benchmark (BENCH_ARGS to narrow it)"
	@echo "make demo       the demo negotiation, served on http://127.0.0.1:5000"
	@echo "make hooks      install the git pre-commit hooks (.pre-commit-config.yaml)"

install:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	$(VENV)/bin/pybabel -q compile -d mou_tracker/translations
	npm ci --silent --prefix tests/browser

test:
	$(PY) -m pytest $(PYTEST_ARGS)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck:
	$(VENV)/bin/mypy

ci:
	bash .ci/run

bench:
	$(PY) -m $(BENCH_MODULE) $(BENCH_ARGS)

demo:
	$(VENV)/bin/flask --app app demo

hooks:
	$(VENV)/bin/pre-commit install

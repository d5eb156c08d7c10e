# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint format install install-dev seed clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: create the venv, install, migrate, seed the database on first start, serve with gunicorn
##      (gevent workers, and the background job worker beside them, stopped with the server)
run: install
	$(BIN)/flask --app kb db upgrade
	$(BIN)/flask --app kb init
	$(BIN)/gunicorn --no-control-socket --config gunicorn.conf.py wsgi:app

## test: install the dev requirements, lint, run the whole suite (two pytest-xdist workers, a test
##       file per worker at a time; the reliability suite is left to .ci/run)
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/pytest -q -n 2 --dist loadfile

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

seed: install
	$(BIN)/flask --app kb seed

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .hypothesis

## bench: search and suggest over HTTP at 20,000 entries, with SQLite FTS5 as reference (several minutes)
bench: install-dev
	$(BIN)/python -m benchmarks.bench_http --n 20000

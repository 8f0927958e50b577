# `make run` serves sladesk with demo data; `make test` runs ruff and the whole suite.
VENV := .venv
PY := $(VENV)/bin/python
SLADESK := $(VENV)/bin/sladesk
HOST ?= 127.0.0.1:8000
PYTEST_ARGS ?=

.PHONY: run test lint bench clean messages

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(SLADESK) migrate --noinput
	$(SLADESK) demo
	# One worker beside the web server (timers, notifications, mail); stopped with it.
	$(SLADESK) worker & worker=$$!; trap 'kill $$worker' EXIT; $(SLADESK) runserver $(HOST)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	$(PY) bench/engine.py

messages: $(VENV)/.installed
	cd sladesk && ../$(SLADESK) makemessages -l zh_Hans -l en && ../$(SLADESK) compilemessages

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

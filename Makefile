# Two commands: `make run` (app with the seeds, at http://127.0.0.1:5000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

# The packaged model is loaded from site-packages; nothing is downloaded at run time.
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_PROGRESS_BARS := 1
export TRANSFORMERS_VERBOSITY := error
export TOKENIZERS_PARALLELISM := false

.PHONY: install install-dev translations run seed test lint format bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# torch first: 2.13.0 is the CPU wheel; letting another package pick it would pull CUDA builds.
$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --disable-pip-version-check -q torch==2.13.0
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

# The interface's translations, compiled from claims/translations/*/LC_MESSAGES/messages.po.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d claims/translations

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations

install-dev: $(VENV)/.installed-dev translations

seed: install
	$(FLASK) claims init-db
	$(FLASK) claims users ensure-admin
	$(FLASK) claims import seeds

# The web app and one background worker (batch imports); Ctrl-C stops both.
run: seed
	@$(FLASK) claims worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/pytest

# Speed benchmarks: ratios to a reference timed in the same run, or latency distributions.
# bench/run.py writes bench/results.md and prints the one-line summary last.
bench: install
	$(BIN)/python bench/search_latency.py
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

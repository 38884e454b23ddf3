# Two commands do all the set-up on a fresh machine (Python 3.11 and make):
#   make run    install into .venv, migrate the SQLite database, seed demo data, serve on :5000
#   make test   install into .venv with the test tools and run the whole suite
# TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test make test  runs it on PostgreSQL.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app incentives
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench install

run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) demo seed
	@# The scheduler (claims after their notice, credits' expiry, honour rolls) beside the web server.
	$(FLASK) scheduler run & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
		$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed
	$(BIN)/python bench/ledger.py

install: $(VENV)/.installed

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# make translations   after adding or changing _()/_l() strings in incentives/ or templates/:
#   1. extract every Chinese source string (babel.cfg says where) into messages.pot,
#   2. merge it into each language's messages.po (new strings arrive with an empty msgstr,
#      or a guess flagged "fuzzy": translate them and delete the flag),
#   3. compile the .po files into the .mo files the app loads; both are committed.
# Run it again after translating; tests/incentives/test_i18n.py fails while any msgstr is empty
# or fuzzy, or a .mo file does not match its .po.
TRANSLATIONS := incentives/translations
.PHONY: translations
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --project=jifen-chaoshi \
		--copyright-holder="jifen-chaoshi contributors" -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

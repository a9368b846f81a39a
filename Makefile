# elearn: `make run` installs and starts the demo; `make test` installs and runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
#: The suite runs in this many processes (pytest-xdist); the multinode tests stay on one of them.
TEST_WORKERS ?= 2

.PHONY: run test install install-test translations messages lint format bench clean audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[production]"
	$(MAKE) translations

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,production]"
	$(MAKE) translations

translations:
	$(BIN)/pybabel compile --statistics -d elearn/translations
	$(BIN)/pybabel compile --statistics -D wtforms -d elearn/translations -l da

## Extract strings and update both catalogues (run after changing user-visible text).
messages:
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o elearn/translations/messages.pot .
	$(BIN)/pybabel update -i elearn/translations/messages.pot -d elearn/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python -m elearn.i18n_tools fill-english elearn/translations/en/LC_MESSAGES/messages.po

run: install
	$(BIN)/elearn demo --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/ruff check elearn tests bench
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

## Security scanners (CI runs them): bandit, failing on medium+ severity; pip-audit over the installed packages.
audit: install-test
	bash .ci/audit

lint:
	$(BIN)/ruff check elearn tests bench

format:
	$(BIN)/ruff format elearn tests bench

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

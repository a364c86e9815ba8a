# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint venv test-deps clean messages

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed requirements-test.txt
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

venv: $(VENV)/.installed

## Install, migrate the SQLite database, and start the service in the sandbox.
run: $(VENV)/.installed
	$(PY) -m bot init
	$(PY) -m bot demo --if-empty
	$(PY) -m bot serve

## Install what the tests need and run the whole suite (SQLite and PostgreSQL) and the linter.
test: $(VENV)/.test-installed
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy
	$(PY) -m pytest

## Extract the texts the code uses into the catalogs under locales/ (then translate the empty ones).
## The bot's msgids are keys (`ctx.t("...")`, `N_("...")`); the console's are its English `_("...")` words.
messages: $(VENV)/.installed
	mkdir -p var
	PYTHONPATH=. $(VENV)/bin/pybabel extract -F babel.cfg --no-location --no-default-keywords -k t -k N_ -k ngettext:1,2 --ignore-dirs='.* _* console' \
		-o var/bot.pot locales/en/LC_MESSAGES/bot.po bot handlers jobs
	PYTHONPATH=. $(VENV)/bin/pybabel update --no-wrap --no-fuzzy-matching -i var/bot.pot -d locales -D bot
	PYTHONPATH=. $(VENV)/bin/pybabel extract -F babel.cfg --no-location -o var/console.pot locales/zh_TW/LC_MESSAGES/console.po bot/console
	PYTHONPATH=. $(VENV)/bin/pybabel update --no-wrap --no-fuzzy-matching -i var/console.pot -d locales -D console

lint: $(VENV)/.test-installed
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache

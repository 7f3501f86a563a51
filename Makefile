# Two entry points for people and CI: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed.stamp

.PHONY: run playground simulate test lint format typecheck imports unit migrate verify-audit package clean

# Re-installs whenever pyproject.toml is newer than the last install.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The Node tools tests use (Teams manifest schema, Agents Playground, ...), exactly as locked.
NODE_STAMP := e2e/node_modules/.installed.stamp
$(NODE_STAMP): e2e/package.json e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

# The demo upgrades its own SQLite file explicitly; production runs `make migrate` instead.
run: $(STAMP)
	$(BIN)/python app.py --upgrade-db

# Microsoft 365 Agents Playground, a Teams-like web UI (http://127.0.0.1:56150) for the bot that
# `make run` starts; its mock users and team are in .m365agentsplayground.yml. To be someone
# else, in another page: make playground AS="Megan Bowen" UI=56151
# AS is one of make's built-in variables (the assembler, `as`), so `?=` would never set it:
# only a value from the command line or the environment replaces the default person.
ifeq ($(origin AS),default)
AS := Alex Wilber
endif
UI ?= 56150
playground: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m tests.e2e.people --as "$(AS)" --ui-port $(UI) \
		--bot http://127.0.0.1:$${PORT:-3978}/api/messages

# A year of weekly panels for a large authority in simulated time; prints its figures.
simulate: $(STAMP)
	$(BIN)/python benchmarks/simulate_year.py

test: lint typecheck imports unit

# The audit log's hash chain checked (DATABASE_URL, and the keys in LOOKUP_KEY); exits 1 if altered.
verify-audit: $(STAMP)
	$(BIN)/python app.py --verify-audit

# Schema upgrades are explicit, never silent on start (DATABASE_URL, default the SQLite file).
migrate: $(STAMP)
	$(BIN)/python -m storage.migrate upgrade

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP) $(NODE_STAMP)
	$(BIN)/pytest

# The Teams app package, build/early-help-panel.zip; MICROSOFT_APP_ID becomes its app and bot id.
# `make package APP_VERSION=1.1.0` sets the version Teams sees (it must go up with each upload).
package: $(STAMP)
	$(BIN)/python -m manifest.package $(if $(APP_VERSION),--version $(APP_VERSION))

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis .import_linter_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Two commands a newcomer needs: `make run` and `make test`. Both first run scripts/bootstrap.sh
# (system packages: Python 3.11, a CJK font, Chromium for the tests), then build .venv if missing.
PY      ?= python3.11
HOST    ?= 127.0.0.1
PORT    ?= 8000
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# bpmnlint and the bpmn-js viewer, pinned by tools/bpmnlint/package-lock.json (tests only)
NODE    := tools/bpmnlint/node_modules/.installed

.PHONY: run test lint typecheck test-fast bench lock clean bootstrap

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

$(NODE): tools/bpmnlint/package.json tools/bpmnlint/package-lock.json
	npm ci --prefix tools/bpmnlint --no-audit --no-fund --loglevel=error
	@touch $(NODE)

run:
	@PY=$(PY) bash scripts/bootstrap.sh run
	@$(MAKE) --no-print-directory $(STAMP)
	$(BIN)/suitiao demo --if-empty
	$(BIN)/suitiao serve --host $(HOST) --port $(PORT)

# Report what the system lacks (and the command that installs it) without installing anything.
bootstrap:
	@PY=$(PY) bash scripts/bootstrap.sh test --check && echo "bootstrap: nothing missing"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test:
	@PY=$(PY) bash scripts/bootstrap.sh test
	@$(MAKE) --no-print-directory lint typecheck $(NODE)
	HYPOTHESIS_PROFILE=ci $(BIN)/python -m pytest

test-fast: $(STAMP) $(NODE)
	$(BIN)/python -m pytest -x -q -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m bench

# Re-pin every dependency (direct and transitive) after editing pyproject.toml.
lock:
	rm -rf /tmp/suitiao-lock && $(PY) -m venv /tmp/suitiao-lock
	/tmp/suitiao-lock/bin/pip install --quiet ".[dev]"
	/tmp/suitiao-lock/bin/pip freeze --exclude suitiao | sort -f > requirements.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis

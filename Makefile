# Two commands a newcomer needs: `make run` and `make test`. Both build .venv when it is missing.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: run test lint typecheck test-fast bench lock clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/suitiao demo --if-empty
	$(BIN)/suitiao serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint typecheck
	HYPOTHESIS_PROFILE=ci $(BIN)/python -m pytest

test-fast: $(STAMP)
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

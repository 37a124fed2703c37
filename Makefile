# frontlines: `make run` opens the explorer, `make test` runs the whole suite.
# Set-up says what it does, one line a step; tools/ holds the scripts it uses.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
GOAL   := $(or $(firstword $(MAKECMDGOALS)),run)

.PHONY: run test bench snapshots clean install dist check-python

# Before anything uses the venv: is its Python (or, with no venv yet,
# $(PYTHON)) one that pyproject.toml's requires-python allows? If not,
# it says what to run and stops.
check-python:
	@sh tools/check-python --venv $(VENV) --goal $(GOAL) $(PYTHON)

$(BIN)/python: | check-python
	@echo "frontlines: creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version 2>&1))..."
	@$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | check-python $(BIN)/python
	@$(BIN)/python tools/pip_step.py "updating pip in $(VENV)" install --upgrade pip
	@$(BIN)/python tools/pip_step.py "installing frontlines and its dependencies into $(VENV) (about 30 s the first time)" \
		install -e '.[test]'
	@touch $(STAMP)
	@echo "frontlines: ready. The command is $(BIN)/frontlines; make install puts frontlines on your PATH."

run: $(STAMP)
	$(BIN)/frontlines $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m pytest -q -s tests/bench -p no:cacheprovider --override-ini addopts=

snapshots: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_snapshots.py --snapshot-update

# The frontlines command for this user, everywhere: pipx if it is installed,
# else pip install --user (tools/install-command says which, and where).
install:
	@sh tools/check-python --goal install $(PYTHON)
	@sh tools/install-command $(PYTHON)

# dist/frontlines-offline-VERSION.tar.gz: wheels of frontlines and all it
# needs, and an install.sh that uses no network (tools/make_dist.py).
dist: $(STAMP)
	@$(BIN)/python tools/make_dist.py --out dist

clean:
	rm -rf $(VENV) build *.egg-info dist

# Two commands do all the set-up on a fresh machine:
#   make book   creates .venv if missing, installs, builds the site into _build/html
#   make test   creates .venv if missing, installs, runs every test (quick profile, offline)
# and one more checks the Colab path:
#   make test-colab   installs Colab's versions (constraints/colab.txt) into .venv-colab, installs
#                     the package as a notebook's setup cell does, fails if that changed any of
#                     them, then runs the unit tests and every notebook there
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

COLAB_VENV  := .venv-colab
COLAB_PY    := $(COLAB_VENV)/bin/python
COLAB_PIP   := PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 $(COLAB_PY) -m pip
COLAB_STAMP := $(COLAB_VENV)/.installed-stamp
COLAB_PINS  := constraints/colab.txt
# The test tools, installed under Colab's pins (pip refuses rather than change a pinned package).
COLAB_TOOLS := pytest==9.2.0 nbval==0.11.0

# The pinned stack (TensorFlow 2.21) has wheels for CPython 3.10 to 3.13 only.
SUPPORTED_PYTHON := import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 10) <= v <= (3, 13) else \
  f"Python {v[0]}.{v[1]} is not supported: TensorFlow 2.21 has wheels for Python 3.10 to 3.13. " \
  "Run make with PYTHON=python3.12 (or another supported interpreter).")

.PHONY: install book test test-colab unit lint notebooks clean

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c '$(SUPPORTED_PYTHON)'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . --warningiserror --nitpick --keep-going
	$(PY) scripts/page_weight.py _build/html

# Every test: lint, unit tests, then every notebook under nbval, in the quick profile and offline,
# with a fresh checkpoint cache so that each notebook really trains.
test: lint
	GENMODELS_PROFILE=quick GENMODELS_OFFLINE=1 GENMODELS_CACHE=$$(mktemp -d) TF_CPP_MIN_LOG_LEVEL=2 \
	  $(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env --nbval-cell-timeout=900 \
	  -p no:cacheprovider --durations=0 -q

# Colab's runtime, rebuilt from scratch whenever the constraints change. This machine's Python
# stands in for Colab's 3.13. Its pip reads no configuration files (PIP_CONFIG_FILE=/dev/null), as
# on a fresh Colab runtime; pip's environment variables still apply.
$(COLAB_STAMP): $(COLAB_PINS)
	@$(PYTHON) -c '$(SUPPORTED_PYTHON)'
	rm -rf $(COLAB_VENV)
	$(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_PIP) install --quiet "$$(grep '^pip==' $(COLAB_PINS))"
	$(COLAB_PIP) install --quiet -r $(COLAB_PINS)
	$(COLAB_PIP) install --quiet -c $(COLAB_PINS) $(COLAB_TOOLS)
	touch $(COLAB_STAMP)

# The setup cell's `%pip install -q` must print nothing and change none of Colab's packages; then
# the unit tests (the site's browser test and the README-commands test need the local stack and
# are left to `make test`) and every notebook run on Colab's versions.
test-colab: $(COLAB_STAMP)
	$(COLAB_PIP) uninstall --quiet --yes genmodels 2>/dev/null || true
	$(COLAB_PIP) freeze --all > $(COLAB_VENV)/freeze-before.txt
	$(COLAB_PIP) install -q . > $(COLAB_VENV)/pip-install.log 2>&1 \
	  || { cat $(COLAB_VENV)/pip-install.log; exit 1; }
	rm -rf build src/genmodels.egg-info  # setuptools builds in the checkout; leave it as it was
	$(COLAB_PIP) freeze --all > $(COLAB_VENV)/freeze-after.txt
	$(COLAB_PY) scripts/check_colab_env.py $(COLAB_PINS) $(COLAB_VENV)/freeze-before.txt \
	  $(COLAB_VENV)/freeze-after.txt --install-log $(COLAB_VENV)/pip-install.log
	GENMODELS_PROFILE=quick GENMODELS_OFFLINE=1 GENMODELS_CACHE=$$(mktemp -d) PYDEVD_DISABLE_FILE_VALIDATION=1 \
	  $(COLAB_PY) -m pytest tests notebooks --ignore=tests/test_site.py --ignore=tests/test_readme_commands.py \
	  --nbval-lax --nbval-current-env --nbval-cell-timeout=900 -p no:cacheprovider --durations=0 -q

unit: $(STAMP)
	GENMODELS_PROFILE=quick GENMODELS_OFFLINE=1 $(PY) -m pytest tests -q

# Ruff, and the GitHub workflows: their schema, then zizmor's audit (both offline).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	# Notebook code fits the site's code column (88 characters).
	$(VENV)/bin/ruff check notebooks --line-length 88 --extend-select E501
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline --quiet .github/workflows

clean:
	rm -rf _build

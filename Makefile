# Two commands do all the set-up on a fresh machine:
#   make book   creates .venv if missing, installs, builds the site into _build/html
#   make test   creates .venv if missing, installs, runs every test (quick profile, offline)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install book test unit lint notebooks clean

$(STAMP): requirements.txt pyproject.toml
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

unit: $(STAMP)
	GENMODELS_PROFILE=quick GENMODELS_OFFLINE=1 $(PY) -m pytest tests -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf _build

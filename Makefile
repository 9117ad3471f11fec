# Two commands for a newcomer: `make demo` (set up, then run on the bundled corpora)
# and `make test`. Both create .venv and install hansenti with every extra first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HANSENTI_MIRROR ?= $(abspath ../shared/corpora)

.PHONY: setup demo test bench-tokenizers

$(VENV)/.installed: setup.cfg pyproject.toml
	@command -v java >/dev/null || { echo "installing a Java runtime for Okt"; \
	  apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[all]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/hansenti corpora info nsmc -t whitespace -t mecab --jobs 2
	$(BIN)/hansenti tokenize -t okt -o norm=true -o stem=true "아 더빙.. 진짜 짜증나네요 목소리"

test: setup
	$(BIN)/python -m pytest

bench-tokenizers: setup
	$(BIN)/python bench/tokenizers.py

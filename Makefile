# Two commands for a newcomer: `make demo` (set up, then run on the bundled corpora)
# and `make test`. Both create .venv and install hansenti with every extra first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HANSENTI_MIRROR ?= $(abspath ../shared/corpora)

.PHONY: setup demo test bench-tokenizers bench-train

$(VENV)/.installed: setup.cfg pyproject.toml
	@command -v java >/dev/null || { echo "installing a Java runtime for Okt"; \
	  apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; }
	@command -v chromium >/dev/null || { echo "installing Chromium for the web page test"; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[all]"
	touch $@

setup: $(VENV)/.installed

DEMO_RUN := runs/nsmc-okt-cnn

demo: setup
	$(BIN)/hansenti corpora info nsmc -t whitespace -t okt --jobs 2
	rm -rf $(DEMO_RUN)
	$(BIN)/hansenti train --corpus nsmc --tokenizer okt --model cnn --name $(notdir $(DEMO_RUN))
	$(BIN)/hansenti predict $(DEMO_RUN) "배우들 연기가 정말 미쳤다" "돈 아깝다 스토리가 산으로 감"
	$(BIN)/hansenti predict $(DEMO_RUN) --input examples/reviews.csv --column review \
	  --output $(DEMO_RUN)/scored_examples.csv
	cat $(DEMO_RUN)/scored_examples.csv

test: setup
	$(BIN)/python -m pytest

bench-tokenizers: setup
	$(BIN)/python bench/tokenizers.py

bench-train: setup
	$(BIN)/python bench/train.py

# Two commands for a newcomer: `make demo` (set up, then run on the bundled corpora)
# and `make test`. `make demo` installs what the demo needs (hansenti[korean,train] and
# Java for Okt); `make test` every extra, and Chromium for the web-page test.
# `make model` rebuilds the default model from the mirror with its exact recipe.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HANSENTI_MIRROR ?= $(abspath ../shared/corpora)

.PHONY: setup demo test model docs java bench-tokenizers bench-train

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

java:
	@command -v java >/dev/null || { echo "installing a Java runtime for Okt"; \
	  apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; }

$(VENV)/.demo: setup.cfg pyproject.toml | $(VENV)/bin/python java
	$(BIN)/pip install -q -e ".[korean,train]"
	touch $@

$(VENV)/.installed: setup.cfg pyproject.toml | $(VENV)/bin/python java
	@command -v chromium >/dev/null || { echo "installing Chromium for the web page test"; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/pip install -q -e ".[all]"
	touch $@ $(VENV)/.demo

setup: $(VENV)/.installed

DEMO_RUN := runs/nsmc-okt-cnn

demo: $(VENV)/.demo
	$(BIN)/hansenti predict "정말 재밌고 감동적인 영화였어요" "돈 아깝다 스토리가 산으로 감"  # the default model
	$(BIN)/hansenti corpora info nsmc -t whitespace -t okt --jobs 2
	rm -rf $(DEMO_RUN)
	$(BIN)/hansenti train --corpus nsmc --tokenizer okt --model cnn --name $(notdir $(DEMO_RUN))
	$(BIN)/hansenti predict $(DEMO_RUN) "배우들 연기가 정말 미쳤다" "돈 아깝다 스토리가 산으로 감"
	$(BIN)/hansenti predict $(DEMO_RUN) --input examples/reviews.csv --column review \
	  --output $(DEMO_RUN)/scored_examples.csv
	cat $(DEMO_RUN)/scored_examples.csv

test: setup
	$(BIN)/python -m pytest

model: setup
	$(BIN)/python -m bench.default_model

docs: setup
	$(BIN)/mkdocs build --strict

bench-tokenizers: setup
	$(BIN)/python -m bench.tokenizers

bench-train: setup
	$(BIN)/python -m bench.train

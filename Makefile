# sop-ingest: everyday commands. `make demo` and `make test` work on a fresh
# Debian machine: `setup` installs the system packages and the virtualenv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-stamp
# Tesseract with Indonesian for the OCR route, poppler/ghostscript for PDF
# tools, fonts for the sample generator, the Indonesian hunspell dictionary
# (words the vocabulary never "corrects").
# postgresql: the ledger tests start a real server in a temp folder.
# chromium: the review app's browser tests (Playwright drives it; no browser download).
APT_PACKAGES := tesseract-ocr tesseract-ocr-ind poppler-utils ghostscript qpdf fonts-dejavu-core \
                hunspell-id postgresql chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup apt demo test bench samples schema clean

setup: apt $(STAMP)

apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml constraints.txt
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: setup
	@rm -rf out
	$(BIN)/sop-ingest run samples --out out

test: setup
	$(BIN)/python -m pytest -q

# Speed, memory and accuracy against plain Tesseract, img2table, camelot and
# pdfplumber, in one run of about ten minutes; writes bench/RESULTS.md.
# Not part of `make test`. Installs the tools it compares against first.
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): pyproject.toml constraints.txt $(STAMP)
	$(BIN)/pip install -q -c constraints.txt -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: setup $(BENCH_STAMP)
	$(BIN)/python -m bench.run

# Regenerate the born-digital samples and their golden JSON from samples/sopdata,
# then their scanned variants.
samples: setup
	$(BIN)/python samples/generate.py
	$(BIN)/python samples/generate.py --scans

# Regenerate the shipped JSON Schema from ingest/model.py.
schema: setup
	$(BIN)/python -m ingest.model > ingest/schema/sop-document.schema.json

clean:
	rm -rf out .pytest_cache $(VENV)

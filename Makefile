# One entry point: `make test` builds .venv when needed, installs the project with its test extras, runs the suite
# (the installed wheel's demo, byte-identical, is tests/test_install.py's; `make wheel-check` still runs the old check).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test demo lint bench clean wheel-check browser lock

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# Debian's packages the tests use, installed when missing: Chromium for the site's browser tests, faketime for
# the deployment's simulated mornings (each under its own clock), systemd for `systemd-analyze verify`.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v faketime >/dev/null \
	  && command -v systemd-analyze >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium \
	    chromium-driver faketime systemd; }

test: $(STAMP) browser
	$(PY) -m ruff check summarizer tests benchmarks
	$(PY) -m mypy summarizer
	$(PY) -m pytest

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

# The scaffolded workflow's dependencies, hash-locked for GitHub's runners (Linux x86_64, Python 3.11);
# run it whenever pyproject.toml's dependencies change (tests/test_scaffold.py checks they agree).
lock: $(STAMP)
	$(PY) -m pip install -q uv
	$(VENV)/bin/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 --custom-compile-command "make lock" \
	  -o summarizer/data/scaffold/requirements.lock

clean:
	rm -rf $(VENV) digests .pytest_cache .mypy_cache .ruff_cache

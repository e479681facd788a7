#!/usr/bin/env bash
# The installed tool, not the checkout: build the wheel, install it into a fresh venv, run
# `summarizer demo` from an empty temporary directory and compare its digest with the sample.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="${1:-$root/.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$py" -m pip wheel -q --no-deps -w "$work/dist" "$root" 2>/dev/null
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$work"/dist/*.whl 2>&1 | grep -v "^WARNING: Location" || true
mkdir "$work/empty"
(cd "$work/empty" && "$work/venv/bin/summarizer" demo -q)
cmp "$work/empty/digests/2025-12-24.md" "$root/fixtures/sample-digest.md"
echo "wheel check: the installed demo's digest is byte-identical to fixtures/sample-digest.md"

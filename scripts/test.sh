#!/usr/bin/env bash
# The test command: installs everything (Debian packages, Python packages), then runs lint, type checks, the
# test suite (which starts pcscd, SoftHSM2 tokens and the sandbox itself) and the benchmarks once as smoke tests.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all,test
VENV="${EPORT_VENV:-.venv}"
export PATH="$PWD/$VENV/bin:$PATH"

echo "== ruff"
ruff check eport tests benchmarks tools
ruff format --check eport tests benchmarks tools
echo "== mypy"
mypy
echo "== pytest"
pytest -p no:cacheprovider "$@"
echo "== benchmarks (one round each, as smoke tests)"
status=0; pytest -p no:cacheprovider benchmarks --benchmark-disable -q -o addopts="" || status=$?
[ "$status" = 0 ] || [ "$status" = 5 ] || exit "$status"

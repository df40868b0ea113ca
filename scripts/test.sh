#!/usr/bin/env bash
# The test command: installs everything (Debian packages, Python packages), then runs lint, type checks, the
# documentation build, the test suite (which starts pcscd, SoftHSM2 tokens and the sandbox itself) and every
# benchmark once as a smoke test.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all,test,docs
VENV="${EPORT_VENV:-.venv}"
export PATH="$PWD/$VENV/bin:$PATH"

echo "== ruff"
ruff check eport tests benchmarks tools
ruff format --check eport tests benchmarks tools
echo "== mypy"
mypy
echo "== docs (mkdocs build --strict: every page, links and the API reference from the docstrings)"
NO_MKDOCS_2_WARNING=1 mkdocs build --strict --quiet --site-dir "$(mktemp -d)"
echo "== import-linter (the layers of docs/architecture.md, contracts in pyproject.toml)"
lint-imports
echo "== pytest (tests, then every benchmark once with --benchmark-disable as a smoke test)"
pytest -p no:cacheprovider -o addopts="-ra --strict-markers" --benchmark-disable tests benchmarks "$@"

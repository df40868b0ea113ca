#!/usr/bin/env bash
# The main job end to end on the embedded defaults: installs eport, then runs `eport demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all
VENV="${EPORT_VENV:-.venv}"
exec "$VENV/bin/eport" demo "$@"

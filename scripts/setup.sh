#!/usr/bin/env bash
# Installs what eport needs on a Debian machine: Debian packages (with sudo when not root) and a virtual
# environment in .venv (override with EPORT_VENV) with eport and the given extras.
# Usage: scripts/setup.sh [EXTRAS]   e.g. scripts/setup.sh all,test
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-all}"
VENV="${EPORT_VENV:-.venv}"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# Debian packages: PC/SC daemon and the vpcd virtual reader driver (card tests), pyscard build needs
# (swig, libpcsclite-dev), xmlsec1 and libxml2-utils (independent signature / schema checks), softhsm2 and opensc
# (PKCS#11 tests), openssl (independent SM2 and CMS checks).
DEB_PACKAGES=(pcscd libpcsclite-dev swig vsmartcard-vpcd pcsc-tools xmlsec1 libxml2-utils softhsm2 opensc openssl
              gcc python3-dev python3-venv)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
    || { echo "setup: eport needs Python >= 3.10 ($PYTHON is older)" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip >&2
"$VENV/bin/python" -m pip install -q -e ".[$EXTRAS]" >&2

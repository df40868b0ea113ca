"""Missing prerequisites of a test: a skip on a developer's machine, a failure in CI.

CI (``CI`` set, as every CI service sets it; ``CI=true``) installs everything the tests use through
``scripts/setup.sh``: a test that cannot run there is a failure, never a silent skip. Locally the same test is
skipped with the reason, so a partial setup still runs what it can.
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """True when running in CI (``CI`` set to anything but empty, ``0``, ``false`` or ``no``)."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def unavailable(reason: str) -> NoReturn:
    """Stop the current test for a missing prerequisite: a skip locally, a failure in CI.

    Called while collecting (outside a test), the failure is a collection error of that module in CI, and the skip
    skips the module locally, naming the reason either way.
    """
    if in_ci():
        pytest.fail(f"{reason} (CI is set: a missing prerequisite fails the run)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_module(name: str) -> ModuleType:
    """Import an optional module (an extra's dependency), or stop the test via :func:`unavailable`."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        unavailable(f"{name} is not installed ({exc}); install eport with its extras (scripts/setup.sh all,test)")


def require_command(*names: str) -> None:
    """Check that command-line tools are on ``PATH``, or stop the test via :func:`unavailable`."""
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        unavailable(f"{', '.join(missing)} not installed (scripts/setup.sh installs the Debian packages)")

"""Where the tests find the shared reference set, and what happens when it is missing.

The reference set (official CEB samples, the DecMessage and MT1401 structure files, an independent copy of the
official schemas) is not part of the repository: the samples are GACC's documents, not ours to redistribute. It sits
next to the clone as ``../shared/reference``; the one environment variable ``EPORT_REFERENCE`` points elsewhere.

A test that needs a file of the set calls :func:`require`. Without the set, the test is skipped on a developer's
machine (with the reason) and **fails** when ``CI`` is set (``CI=true``, as every CI service sets it; see
:func:`tests.prerequisites.unavailable`): CI must never pass because the material a test checks against was not
there. Everything else a test needs (the schemas and code tables the package ships, the documents the project
wrote) is in the repository and needs no reference.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.prerequisites import unavailable

ROOT = Path(__file__).resolve().parents[1]
"""The repository (the folder holding ``pyproject.toml``)."""

ENV = "EPORT_REFERENCE"
REFERENCE = Path(os.environ.get(ENV) or ROOT.parent / "shared" / "reference")
"""The reference set: ``$EPORT_REFERENCE``, else ``../shared/reference`` relative to the repository."""


def available(*parts: str) -> bool:
    """True when ``REFERENCE / parts`` exists (never skips or fails: for building parameter lists)."""
    return REFERENCE.joinpath(*parts).exists()


def require(*parts: str) -> Path:
    """Return ``REFERENCE / parts``; when it does not exist, skip the test (fail it in CI)."""
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        unavailable(
            f"reference file {'/'.join(parts)} not found under {REFERENCE} "
            f"(put the reference set at ../shared/reference next to the clone or set {ENV})"
        )
    return path

"""Suite-wide test configuration: hypothesis profiles.

``HYPOTHESIS_PROFILE=dev`` (default) keeps property tests quick; ``ci`` runs more examples with no deadline;
``thorough`` is for local soak runs.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

# The reference material (official schemas and samples) lives in ``shared/reference`` next to the clone, as on the
# developers' machines and in CI. Tests find it through these variables; set them to point elsewhere.
_REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
if _REFERENCE.is_dir():
    os.environ.setdefault("EPORT_REFERENCE", str(_REFERENCE))
    os.environ.setdefault("EPORT_CEB_SAMPLES", str(_REFERENCE / "ceb" / "samples202205"))

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

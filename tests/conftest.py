"""Suite-wide test configuration: hypothesis profiles.

``HYPOTHESIS_PROFILE=dev`` (default) keeps property tests quick; ``ci`` runs more examples with no deadline;
``thorough`` is for local soak runs.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# The shared reference set (official samples, structure files) is located by tests/reference.py only.

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

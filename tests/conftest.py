"""Shared test configuration: hypothesis profiles.

``HYPOTHESIS_PROFILE=thorough pytest`` runs many more examples locally;
CI uses the default profile, sized to finish in a few minutes on 2 cores.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

"""Fixtures of the complex-connection tests (defined in complex_connections_helpers)."""
from .complex_connections_helpers import cc_thresholds, small  # noqa: F401  (fixtures, used by name)

"""Judge: pure functions from evidence to findings, one registry for verify and the audit.

- :mod:`verifier.checks.findings`: statuses, severities, reason codes, findings, the report;
- :mod:`verifier.checks.registry`: the registry, modes, the context a check sees;
- :mod:`verifier.checks.proof`: the link-by-link proof of one signed artifact;
- :mod:`verifier.checks.rules`: every check, in proof order (importing it fills the registry);
- :mod:`verifier.checks.judge`: running them, in two stages (code paths, then aliases);
- :mod:`verifier.checks.scope`, :mod:`verifier.checks.forecast`: the fleet's blast radius and
  expiry forecast; :mod:`verifier.checks.environment`: the code-loading variables.
"""

from __future__ import annotations

from verifier.checks import rules as _rules  # noqa: F401  (registers every check)
from verifier.checks.registry import REGISTRY, Check, Context, Mode

__all__ = ["REGISTRY", "Check", "Context", "Mode"]

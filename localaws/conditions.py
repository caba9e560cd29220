"""IAM policy ``Condition`` blocks, evaluated against a request context (one home for both the
bucket-policy patch, :mod:`localaws.s3_policy`, and role trust policies,
:mod:`localaws.sts.trust`).

Operators understood: ``Bool``, ``StringEquals``, ``StringLike``. A context maps a condition key
to its value in this request, or to ``None`` when the key is known to be absent from the
request (as ``sts:ExternalId`` is when AssumeRole is called without one): as in AWS, a
condition on an absent key does not hold. A key the context does not know, or any other
operator (``...IfExists``, ``Null``, ``IpAddress``, ...), makes the verdict unknown (``None``),
and each caller decides what unknown means for its statement.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from typing import Any

_OPERATORS: dict[str, Callable[[str, Iterable[str]], bool]] = {
    "Bool": lambda actual, expected: actual.lower() in {e.lower() for e in expected},
    "StringEquals": lambda actual, expected: actual in set(expected),
    "StringLike": lambda actual, expected: any(fnmatch.fnmatchcase(actual, e) for e in expected),
}


def _as_list(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in values]


def condition_holds(condition: dict[str, Any], context: Mapping[str, str | None]) -> bool | None:
    """False when any part is false (the parts of a condition are ANDed), else None when any
    operator or key is not understood, else True."""
    unknown = False
    for operator, entries in condition.items():
        evaluate = _OPERATORS.get(operator)
        if evaluate is None or not isinstance(entries, dict):
            unknown = True
            continue
        for key, expected in entries.items():
            if key not in context:
                unknown = True
                continue
            actual = context[key]
            if actual is None or not evaluate(actual, _as_list(expected)):
                return False
    return None if unknown else True

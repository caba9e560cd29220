"""IAM policy evaluation: the part of AWS's logic that identity and bucket policies here use.

Pure functions from policy documents and one request (action, resource, principal, context
keys) to a :class:`Decision`. AWS's rules (IAM User Guide, "Policy evaluation logic" and
"IAM JSON policy elements: Condition operators"), as implemented:

- An explicit ``Deny`` in any applicable statement wins; otherwise an ``Allow`` allows;
  otherwise the request is implicitly denied.
- ``Action``/``NotAction`` match case-insensitively, ``Resource``/``NotResource`` case-sensitively,
  both with ``*`` and ``?`` wildcards.
- ``Principal``/``NotPrincipal`` (resource-based policies, role trust policies): ``"*"``,
  ``{"AWS": "*"}``, an account id or its ``:root`` ARN (any principal of that account), or an
  exact principal ARN (for an assumed role, the role's ARN or the session's). ``Service``,
  ``Federated`` and ``CanonicalUser`` principals never match an IAM caller.
- Condition keys are case-insensitive. Operators: ``String(Not)Equals(IgnoreCase)``,
  ``String(Not)Like``, ``Arn(Not)Equals``, ``Arn(Not)Like`` (the six ARN fields matched one by
  one, each with wildcards), ``Bool``, ``Null``; the ``...IfExists`` suffix; the
  ``ForAnyValue:``/``ForAllValues:`` set prefixes. Several values of one key are ORed (for a
  negated operator: none may match); several keys and several operators are ANDed.
- A key missing from the request makes a positive operator false and a negated one
  (``...Not...``) true; ``ForAnyValue`` over no values is false, ``ForAllValues`` is true.
- An operator this module does not know makes an ``Allow`` statement not apply and a ``Deny``
  statement apply: an unknown condition never grants, and never lets a denial through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any


class Decision(Enum):
    ALLOW = "allow"
    DENY = "deny"
    #: No statement applies: denied unless another policy allows.
    IMPLICIT_DENY = "implicit-deny"


#: A principal ARN naming an account (every principal of it, in a ``Principal`` element).
ACCOUNT_ROOT = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):root")


def account_root(partition: str, account: str) -> str:
    """The account's root user ARN."""
    return f"arn:{partition}:iam::{account}:root"


@dataclass(frozen=True)
class Principal:
    """Who makes a request, as policies see them."""

    #: ``aws:PrincipalArn``: an IAM user's ARN, the account's root (``arn:aws:iam::<id>:root``),
    #: or for an assumed role the *role's* ARN, as AWS documents.
    arn: str
    account: str
    #: For an assumed role, the session's ARN (``arn:aws:sts::<id>:assumed-role/<role>/<name>``):
    #: what GetCallerIdentity and denials name; a ``Principal`` element may name it too.
    session_arn: str = ""

    @property
    def display_arn(self) -> str:
        return self.session_arn or self.arn

    @property
    def is_role_session(self) -> bool:
        return bool(self.session_arn)

    @property
    def principal_type(self) -> str:
        """``aws:PrincipalType``."""
        if self.session_arn:
            return "AssumedRole"
        return "Account" if ACCOUNT_ROOT.fullmatch(self.arn) else "User"

    def context(self) -> dict[str, list[str]]:
        """The global condition keys that describe this principal."""
        return {
            "aws:PrincipalArn": [self.arn],
            "aws:PrincipalAccount": [self.account],
            "aws:PrincipalType": [self.principal_type],
        }


@dataclass(frozen=True)
class Request:
    """What one authorization looks at. ``context`` maps condition keys (any case) to their
    values; a single-valued key has one value, a multivalued key (``lambda:Layer``) any number.
    ``principal`` is None for an anonymous request (only ``"*"`` principals match it)."""

    action: str
    resource: str
    principal: Principal | None = None
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def values(self, key: str) -> tuple[str, ...] | None:
        wanted = key.lower()
        for name, values in self.context.items():
            if name.lower() == wanted:
                return tuple(values)
        return None


@dataclass(frozen=True)
class Evaluation:
    decision: Decision
    #: The Sid (or index) of the statement that decided, for messages and tests.
    statement: str = ""


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@lru_cache(maxsize=4096)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _wildcard(pattern, ignore_case).fullmatch(value) is not None


def arn_match(pattern: str, arn: str) -> bool:
    """ArnLike/ArnEquals: each of the six colon-separated fields matched on its own."""
    wanted, actual = pattern.split(":", 5), arn.split(":", 5)
    if len(wanted) != 6 or len(actual) != 6:
        return False
    return all(wildcard_match(w, a) for w, a in zip(wanted, actual, strict=True))


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


_MATCHERS = {
    "stringequals": lambda expected, actual: expected == actual,
    "stringequalsignorecase": lambda expected, actual: expected.lower() == actual.lower(),
    "stringlike": wildcard_match,
    "arnequals": arn_match,
    "arnlike": arn_match,
    "bool": lambda expected, actual: expected.lower() == actual.lower(),
}
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}


class UnknownOperator(ValueError):
    """A condition operator this evaluator does not implement."""


def _single(operator: str, expected: list[str], actual: str) -> bool:
    """One request value against the condition's values."""
    if operator in _MATCHERS:
        return any(_MATCHERS[operator](e, actual) for e in expected)
    if operator in _NEGATED:
        return not any(_MATCHERS[_NEGATED[operator]](e, actual) for e in expected)
    raise UnknownOperator(operator)


def _condition_holds(raw_operator: str, key: str, raw_expected: Any, request: Request) -> bool:
    expected = [_text(v) for v in _as_list(raw_expected)]
    qualifier, _, operator = raw_operator.rpartition(":")
    qualifier, operator = qualifier.lower(), operator.lower()
    actual = request.values(key)
    if operator == "null":
        if qualifier:
            raise UnknownOperator(raw_operator)
        missing = not actual
        return any((e.lower() == "true") == missing for e in expected)
    if_exists = operator.endswith("ifexists")
    operator = operator.removesuffix("ifexists")
    if operator not in _MATCHERS and operator not in _NEGATED:
        raise UnknownOperator(raw_operator)
    if qualifier == "foranyvalue":
        return any(_single(operator, expected, a) for a in actual or ())
    if qualifier == "forallvalues":
        return all(_single(operator, expected, a) for a in actual or ())
    if qualifier:
        raise UnknownOperator(raw_operator)
    if not actual:
        return if_exists or operator in _NEGATED
    return any(_single(operator, expected, a) for a in actual)


def conditions_hold(condition: Mapping[str, Any], request: Request) -> bool:
    """Every operator, and every key under it, must hold. Raises UnknownOperator."""
    for operator, entries in condition.items():
        if not isinstance(entries, Mapping):
            raise UnknownOperator(f"{operator} (its value is not an object)")
        for key, expected in entries.items():
            if not _condition_holds(operator, key, expected, request):
                return False
    return True


def _principal_matches(principal: Any, request: Request) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    caller = request.principal
    for value in _as_list(principal.get("AWS", [])):
        value = str(value)
        if value == "*":
            return True
        if caller is None or not value:
            continue
        root = ACCOUNT_ROOT.fullmatch(value)
        if value in (caller.arn, caller.session_arn) or (
            (root.group(1) if root else value) == caller.account
        ):
            return True
    return False


def _element_matches(statement: Mapping[str, Any], name: str, value: str) -> bool | None:
    """Whether ``Action``/``Resource`` (or its ``Not`` form) covers ``value``; None if the
    statement has neither."""
    ignore_case = name == "Action"
    if name in statement:
        return any(
            wildcard_match(str(p), value, ignore_case=ignore_case)
            for p in _as_list(statement[name])
        )
    if f"Not{name}" in statement:
        return not any(
            wildcard_match(str(p), value, ignore_case=ignore_case)
            for p in _as_list(statement[f"Not{name}"])
        )
    return None


def statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    if not _element_matches(statement, "Action", request.action):
        return False
    resource = _element_matches(statement, "Resource", request.resource)
    if resource is False:
        return False
    if "Principal" in statement and not _principal_matches(statement["Principal"], request):
        return False
    if "NotPrincipal" in statement and _principal_matches(statement["NotPrincipal"], request):
        return False
    condition = statement.get("Condition") or {}
    try:
        return conditions_hold(condition, request)
    except UnknownOperator:
        return statement.get("Effect") == "Deny"


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = document.get("Statement", [])
    return [s for s in _as_list(found) if isinstance(s, Mapping)]


def evaluate(documents: Iterable[Mapping[str, Any]], request: Request) -> Evaluation:
    """Explicit deny, else allow, else implicit deny, over every statement of ``documents``."""
    allowed: Evaluation | None = None
    for document in documents:
        for index, statement in enumerate(statements(document)):
            if not statement_applies(statement, request):
                continue
            name = str(statement.get("Sid") or f"statement {index}")
            if statement.get("Effect") == "Deny":
                return Evaluation(Decision.DENY, name)
            if statement.get("Effect") == "Allow" and allowed is None:
                allowed = Evaluation(Decision.ALLOW, name)
    return allowed or Evaluation(Decision.IMPLICIT_DENY)

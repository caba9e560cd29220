"""Role trust policies, evaluated for ``sts:AssumeRole`` (pure functions; no moto state).

What is evaluated
-----------------
- Statements whose ``Action`` matches ``sts:AssumeRole`` (exactly, or a wildcard such as
  ``sts:*`` or ``*``; action names are case-insensitive, as in IAM).
- ``Principal``: ``"*"`` and ``{"AWS": "*"}`` match every caller; ``{"AWS": "<account id>"}``
  and ``{"AWS": "arn:<partition>:iam::<account id>:root"}`` match every IAM principal of that
  account; a role ARN matches the sessions of that role; a user ARN that user; an assumed-role
  session ARN that session. ``Service``, ``Federated`` and ``CanonicalUser`` principals never
  match an IAM caller (so a Lambda execution role cannot be assumed by a user, as in AWS).
- ``Condition`` with ``StringEquals``/``StringLike`` on ``sts:ExternalId`` (see
  :mod:`localaws.conditions`): without an ExternalId in the request the condition does not hold.
- An explicit ``Deny`` wins over any ``Allow``; no matching ``Allow`` is an implicit deny.

What is not evaluated
---------------------
- ``NotPrincipal``, ``NotAction``, and conditions on any other key or with any other operator.
  These fail closed: an ``Allow`` statement that uses one grants nothing, a ``Deny`` statement
  that uses one applies.
- The caller's own identity-based policies, permissions boundaries and SCPs: the local AWS does
  not enforce IAM on identities. In AWS a trust policy that names an account also needs the
  caller's identity policy to allow ``sts:AssumeRole``; here the trust policy alone decides.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from typing import Any

from localaws.conditions import condition_holds

ASSUME_ROLE_ACTION = "sts:AssumeRole"
_ACCOUNT_ROOT = re.compile(r"arn:aws[\w-]*:iam::(\d{12}):root")
_ACCOUNT_ID = re.compile(r"\d{12}")


@dataclass(frozen=True)
class Caller:
    """Who calls AssumeRole: their account and every ARN a trust policy may name them by."""

    account_id: str
    #: The ARN shown in errors (GetCallerIdentity's Arn).
    arn: str
    #: Principal ARNs that identify the caller: a user's ARN, or a session's role ARN and the
    #: session's own assumed-role ARN.
    principal_arns: frozenset[str]
    #: True when the caller is itself a role session (AssumeRole is then role chaining).
    is_role_session: bool = False


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _action_matches(actions: Any) -> bool:
    return any(
        isinstance(action, str) and fnmatch.fnmatchcase(ASSUME_ROLE_ACTION.lower(), action.lower())
        for action in _as_list(actions)
    )


def _principal_matches(principal: Any, caller: Caller) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for value in _as_list(principal.get("AWS", [])):
        if not isinstance(value, str):
            continue
        if value == "*" or value in caller.principal_arns:
            return True
        root = _ACCOUNT_ROOT.fullmatch(value)
        account = root.group(1) if root else value if _ACCOUNT_ID.fullmatch(value) else None
        if account == caller.account_id:
            return True
    return False


def _statement_applies(
    statement: dict[str, Any], caller: Caller, external_id: str | None
) -> bool | None:
    """Whether a statement applies to this request; None when it uses what is not evaluated."""
    if "NotPrincipal" in statement or "NotAction" in statement:
        return None
    if not _action_matches(statement.get("Action", [])):
        return False
    if not _principal_matches(statement.get("Principal"), caller):
        return False
    condition = statement.get("Condition")
    if not condition:
        return True
    return condition_holds(condition, {"sts:ExternalId": external_id})


def trust_allows(policy_document: str, caller: Caller, external_id: str | None) -> bool:
    """Whether the trust policy lets ``caller`` assume the role (see the module docstring)."""
    try:
        policy = json.loads(policy_document)
    except (TypeError, ValueError):
        return False
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    allowed = False
    for statement in _as_list(statements):
        if not isinstance(statement, dict):
            continue
        applies = _statement_applies(statement, caller, external_id)
        effect = statement.get("Effect")
        if effect == "Deny" and applies is not False:
            return False
        if effect == "Allow" and applies is True:
            allowed = True
    return allowed

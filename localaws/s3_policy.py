"""Bucket-policy conditions, evaluated per request.

moto 5.2.5 evaluates a bucket policy with no request context, and a statement whose
``Condition`` does not hold comes back DENIED whatever its Effect, so the standard TLS-only
policy (``Deny`` when ``aws:SecureTransport`` is ``false``) denies *every* request. This patch
evaluates the conditions this project's policies use (``Bool``/``StringEquals``/``StringLike`` on
``aws:SecureTransport``) against the actual request and drops statements whose condition does
not hold, before moto's own evaluation. A condition on any other key leaves the statement as
moto would treat it. The condition operators live in :mod:`localaws.conditions`.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from localaws.conditions import condition_holds

_request = threading.local()


def set_request_secure(secure: bool) -> None:
    """Called once per request by the server's WSGI wrapper (werkzeug serves each request on
    its own thread)."""
    _request.secure = secure


def _context() -> dict[str, str]:
    return {"aws:SecureTransport": "true" if getattr(_request, "secure", False) else "false"}


def applicable_policy(policy_document: str, context: dict[str, str]) -> str:
    """The policy with statements whose condition does not hold removed, and conditions that
    do hold stripped (so moto does not re-evaluate them without context)."""
    policy = json.loads(policy_document)
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    kept = []
    for statement in statements:
        condition = statement.get("Condition")
        if condition:
            verdict = condition_holds(condition, context)
            if verdict is False:
                continue
            if verdict is True:
                statement = {k: v for k, v in statement.items() if k != "Condition"}
        kept.append(statement)
    policy["Statement"] = kept
    return json.dumps(policy)


def install() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = applicable_policy(self.policy.decode(), _context())
        return IAMPolicy(document).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]

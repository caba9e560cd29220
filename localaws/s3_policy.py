"""Bucket policies, evaluated per request with its context.

moto 5.2.5 evaluates a bucket policy with no request context, and a statement whose
``Condition`` does not hold comes back DENIED whatever its Effect, so the standard TLS-only
policy (``Deny`` when ``aws:SecureTransport`` is ``false``) denies *every* request, and a
statement excepting some principals (``ArnNotLike`` on ``aws:PrincipalArn``) denies them too.
``FakeBucket.get_permission`` is replaced: the policy is evaluated by
:mod:`localaws.iam.policy` (conditions, principals, explicit deny first) against the actual
request: ``aws:SecureTransport`` from the request's scheme, ``aws:PrincipalArn``,
``aws:PrincipalAccount`` and ``aws:PrincipalType`` from the caller when known (the admin keys
act as the account's root user; see :mod:`localaws.sts.models`). A denial is S3's AccessDenied
naming the action, not moto's bare 403. For a caller :mod:`localaws.iam.enforce` has authorized
(bucket policy included, with S3's own action names) moto's check is not repeated.
"""

from __future__ import annotations

import json
from typing import Any

from localaws.iam import enforce, policy


def set_request_secure(secure: bool) -> None:
    """Called once per request by the server's WSGI wrapper (werkzeug serves each request on
    its own thread)."""
    enforce.set_request_secure(secure)


def request_for(action: str, resource: str) -> policy.Request:
    """The request context a bucket policy is evaluated in, for the request being served."""
    principal = enforce.current_principal()
    context = principal.context() if principal else {}
    context["aws:SecureTransport"] = ["true" if enforce.request_is_secure() else "false"]
    return policy.Request(action=action, resource=resource, principal=principal, context=context)


def install() -> None:
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    results = {
        policy.Decision.DENY: PermissionResult.DENIED,
        policy.Decision.ALLOW: PermissionResult.PERMITTED,
        policy.Decision.IMPLICIT_DENY: PermissionResult.NEUTRAL,
    }

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None or enforce.authorized_caller() is not None:
            return PermissionResult.NEUTRAL
        try:
            document = json.loads(self.policy)
        except ValueError:
            return PermissionResult.NEUTRAL
        request = request_for(action, resource)
        result = results[policy.evaluate([document], request).decision]
        if result is PermissionResult.DENIED:
            # moto answers a bare 403 here; S3 answers AccessDenied naming the action.
            who = request.principal.display_arn if request.principal else "anonymous"
            raise enforce.S3ActionDenied(
                f"User: {who} is not authorized to perform: {action} on resource: {resource} "
                "with an explicit deny in a resource-based policy"
            )
        return result

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]

"""Role trust policies, evaluated for ``sts:AssumeRole`` by :mod:`localaws.iam.policy`.

A trust policy is the role's resource-based policy, so it is evaluated by the same evaluator as
identity and bucket policies (its rules, operators and limits are documented there): the action
``sts:AssumeRole`` on the role's ARN, the caller as the principal (a ``Principal`` element may
name the caller's account or its root, the user, the assumed role or the role session), and this
request context:

- ``sts:ExternalId`` when the request has one (without it, ``StringEquals`` on it does not hold);
- the caller's ``aws:PrincipalArn``, ``aws:PrincipalAccount`` and ``aws:PrincipalType``.

Any other condition key is absent from the request, as AWS treats a key a request lacks: a
positive operator on it is false (an ``Allow`` grants nothing, a ``Deny`` does not apply) and a
negated one true. An explicit ``Deny`` wins; no matching ``Allow`` is an implicit deny.

The caller's identity-based policies are enforced with ``--iam`` (:mod:`localaws.iam.enforce`
authorizes ``sts:AssumeRole`` on the role before the trust policy is read); without it the trust
policy alone decides. SCPs and permissions boundaries are not modelled.
"""

from __future__ import annotations

import json

from localaws.iam.policy import Decision, Principal, Request, evaluate

ASSUME_ROLE_ACTION = "sts:AssumeRole"


def trust_allows(
    policy_document: str, role_arn: str, caller: Principal, external_id: str | None
) -> bool:
    """Whether the trust policy lets ``caller`` assume the role (see the module docstring).
    A document that is not a JSON policy allows nothing."""
    try:
        document = json.loads(policy_document)
    except (TypeError, ValueError):
        return False
    if not isinstance(document, dict):
        return False
    context = caller.context()
    if external_id is not None:
        context["sts:ExternalId"] = [external_id]
    request = Request(
        action=ASSUME_ROLE_ACTION, resource=role_arn, principal=caller, context=context
    )
    return evaluate([document], request).decision is Decision.ALLOW

"""The policy evaluator (localaws.iam.policy): AWS's operators and semantics, one case each."""

from __future__ import annotations

from typing import Any

import pytest

from localaws.iam.policy import (
    Decision,
    Principal,
    Request,
    account_root,
    arn_match,
    evaluate,
    wildcard_match,
)

CSC = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef0"
OTHER_CSC = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-ffffffffffffffff0"
LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:team-shared:3"
FOREIGN_LAYER = "arn:aws:lambda:us-east-1:999999999999:layer:evil:1"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:team-hello"


def deny(condition: dict[str, Any], action: str = "lambda:CreateFunction") -> dict[str, Any]:
    return {
        "Statement": [
            {
                "Sid": "Guard",
                "Effect": "Deny",
                "Action": action,
                "Resource": "*",
                "Condition": condition,
            }
        ]
    }


def decision(document: dict[str, Any], **context: list[str]) -> Decision:
    request = Request(action="lambda:CreateFunction", resource=FUNCTION, context=context)
    return evaluate([document], request).decision


def test_null_is_true_for_a_missing_key_only() -> None:
    no_csc = deny({"Null": {"lambda:CodeSigningConfigArn": "true"}})
    assert decision(no_csc) is Decision.DENY
    assert decision(no_csc, **{"lambda:CodeSigningConfigArn": [CSC]}) is Decision.IMPLICIT_DENY
    present = deny({"Null": {"lambda:Layer": "false"}})
    assert decision(present) is Decision.IMPLICIT_DENY
    assert decision(present, **{"lambda:Layer": [LAYER]}) is Decision.DENY


def test_arn_not_equals_and_a_missing_key() -> None:
    unlocked = deny({"ArnNotEquals": {"lambda:CodeSigningConfigArn": [CSC]}})
    assert decision(unlocked, **{"lambda:CodeSigningConfigArn": [CSC]}) is Decision.IMPLICIT_DENY
    assert decision(unlocked, **{"lambda:CodeSigningConfigArn": [OTHER_CSC]}) is Decision.DENY
    # A negated operator is true when the key is absent (IAM User Guide, condition operators).
    assert decision(unlocked) is Decision.DENY
    equals = deny({"ArnEquals": {"lambda:CodeSigningConfigArn": CSC}})
    assert decision(equals) is Decision.IMPLICIT_DENY


def test_arn_like_matches_field_by_field() -> None:
    assert arn_match("arn:aws:lambda:*:123456789012:layer:team-*", LAYER.rsplit(":", 1)[0])
    assert arn_match("arn:aws:lambda:us-east-1:123456789012:layer:team-shared:*", LAYER)
    assert not arn_match("arn:aws:lambda:us-east-1:123456789012:layer:team-shared:*", FOREIGN_LAYER)
    # A wildcard never spans into another field, and a short ARN never matches.
    assert not arn_match("arn:aws:lambda:us-east-1:*", LAYER)
    assert not arn_match("arn:aws:lambda:*:*:layer:x", "arn:aws:lambda")
    not_like = deny({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/admin-*"}})
    admin = {"aws:PrincipalArn": ["arn:aws:iam::123456789012:role/admin-break-glass"]}
    assert decision(not_like, **admin) is Decision.IMPLICIT_DENY
    other = {"aws:PrincipalArn": ["arn:aws:iam::123456789012:role/ci"]}
    assert decision(not_like, **other) is Decision.DENY


def test_string_operators() -> None:
    assert wildcard_match("signed/*", "signed/hello/1.zip")
    assert wildcard_match("a?c", "abc") and not wildcard_match("a?c", "abbc")
    assert not wildcard_match("Signed/*", "signed/x")
    assert wildcard_match("Signed/*", "signed/x", ignore_case=True)
    equals = deny({"StringEquals": {"aws:PrincipalType": ["User", "AssumedRole"]}})
    assert decision(equals, **{"aws:PrincipalType": ["AssumedRole"]}) is Decision.DENY
    assert decision(equals, **{"aws:principaltype": ["Root"]}) is Decision.IMPLICIT_DENY
    not_equals = deny({"StringNotEquals": {"aws:PrincipalAccount": "123456789012"}})
    assert (
        decision(not_equals, **{"aws:PrincipalAccount": ["123456789012"]}) is Decision.IMPLICIT_DENY
    )
    assert decision(not_equals, **{"aws:PrincipalAccount": ["210987654321"]}) is Decision.DENY
    like = deny({"StringLike": {"aws:PrincipalArn": "*:role/ci-*"}})
    assert decision(like, **{"aws:PrincipalArn": ["arn:aws:iam::1:role/ci-x"]}) is Decision.DENY
    if_exists = deny({"StringEqualsIfExists": {"aws:PrincipalType": "User"}})
    assert decision(if_exists) is Decision.DENY


def test_set_operators() -> None:
    foreign = deny(
        {
            "ForAnyValue:ArnNotLike": {
                "lambda:Layer": ["arn:aws:lambda:us-east-1:123456789012:layer:team-*:*"]
            }
        }
    )
    assert decision(foreign, **{"lambda:Layer": [LAYER]}) is Decision.IMPLICIT_DENY
    assert decision(foreign, **{"lambda:Layer": [LAYER, FOREIGN_LAYER]}) is Decision.DENY
    # No layers at all: ForAnyValue over no values is false.
    assert decision(foreign) is Decision.IMPLICIT_DENY
    assert decision(foreign, **{"lambda:Layer": []}) is Decision.IMPLICIT_DENY
    only_team = deny(
        {
            "ForAllValues:ArnLike": {
                "lambda:Layer": ["arn:aws:lambda:us-east-1:123456789012:layer:team-*:*"]
            }
        }
    )
    assert decision(only_team, **{"lambda:Layer": [LAYER]}) is Decision.DENY
    assert decision(only_team, **{"lambda:Layer": [LAYER, FOREIGN_LAYER]}) is Decision.IMPLICIT_DENY
    assert decision(only_team) is Decision.DENY  # ForAllValues over no values is true


def test_explicit_deny_wins_and_allow_needs_a_match() -> None:
    allow = {"Statement": [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}
    guard = deny({"Null": {"lambda:CodeSigningConfigArn": "true"}})
    request = Request(action="lambda:CreateFunction", resource=FUNCTION)
    assert evaluate([allow, guard], request).decision is Decision.DENY
    assert evaluate([allow, guard], request).statement == "Guard"
    signed = Request(
        action="lambda:CreateFunction",
        resource=FUNCTION,
        context={"lambda:CodeSigningConfigArn": [CSC]},
    )
    assert evaluate([allow, guard], signed).decision is Decision.ALLOW
    assert evaluate([guard], signed).decision is Decision.IMPLICIT_DENY


@pytest.mark.parametrize(
    ("statement", "action", "resource", "applies"),
    [
        (
            {"Action": "Lambda:Create*", "Resource": FUNCTION},
            "lambda:CreateFunction",
            FUNCTION,
            True,
        ),
        (
            {"Action": "lambda:Create*", "Resource": FUNCTION + ":*"},
            "lambda:CreateFunction",
            FUNCTION,
            False,
        ),
        ({"NotAction": "s3:*", "Resource": "*"}, "lambda:CreateFunction", FUNCTION, True),
        ({"NotAction": "lambda:*", "Resource": "*"}, "lambda:CreateFunction", FUNCTION, False),
        ({"Action": "*", "NotResource": "arn:aws:s3:::*"}, "lambda:GetFunction", FUNCTION, True),
        ({"Action": "*", "NotResource": "arn:aws:lambda:*"}, "lambda:GetFunction", FUNCTION, False),
    ],
)
def test_action_and_resource_elements(
    statement: dict[str, Any], action: str, resource: str, applies: bool
) -> None:
    document = {"Statement": [{"Effect": "Allow", **statement}]}
    outcome = evaluate([document], Request(action=action, resource=resource)).decision
    assert (outcome is Decision.ALLOW) is applies


def test_principals_of_resource_policies() -> None:
    role = "arn:aws:iam::123456789012:role/deployer"
    session = "arn:aws:sts::123456789012:assumed-role/deployer/ci"
    deployer = Principal(arn=role, account="123456789012", session_arn=session)
    user = Principal(arn="arn:aws:iam::123456789012:user/u", account="123456789012")

    def by(principal: Any, caller: Principal | None = deployer) -> Decision:
        document = {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": principal,
                    "Action": "s3:GetObject",
                    "Resource": "*",
                }
            ]
        }
        request = Request(action="s3:GetObject", resource="arn:aws:s3:::b/k", principal=caller)
        return evaluate([document], request).decision

    assert by("*") is Decision.ALLOW
    assert by({"AWS": "*"}, None) is Decision.ALLOW
    assert by({"AWS": role}) is Decision.ALLOW
    assert by({"AWS": [session]}) is Decision.ALLOW
    assert by({"AWS": role}, user) is Decision.IMPLICIT_DENY
    assert by({"AWS": "123456789012"}) is Decision.ALLOW
    assert by({"AWS": "arn:aws:iam::123456789012:root"}) is Decision.ALLOW
    assert by({"AWS": "arn:aws:iam::123456789012:root"}, None) is Decision.IMPLICIT_DENY
    assert by({"AWS": "arn:aws-us-gov:iam::123456789012:root"}) is Decision.ALLOW
    assert by({"AWS": "arn:aws:iam::210987654321:root"}) is Decision.IMPLICIT_DENY
    assert by({"AWS": "arn:aws:iam::123456789012:role/other"}) is Decision.IMPLICIT_DENY
    assert by({"Service": "signer.amazonaws.com"}) is Decision.IMPLICIT_DENY


def test_principal_context_keys() -> None:
    session = Principal(
        arn="arn:aws:iam::123456789012:role/r",
        account="123456789012",
        session_arn="arn:aws:sts::123456789012:assumed-role/r/s",
    )
    assert session.context() == {
        "aws:PrincipalArn": ["arn:aws:iam::123456789012:role/r"],
        "aws:PrincipalAccount": ["123456789012"],
        "aws:PrincipalType": ["AssumedRole"],
    }
    assert session.display_arn == "arn:aws:sts::123456789012:assumed-role/r/s"
    root = Principal(arn=account_root("aws", "123456789012"), account="123456789012")
    assert (root.principal_type, root.display_arn) == ("Account", "arn:aws:iam::123456789012:root")
    user = Principal(arn="arn:aws:iam::123456789012:user/u", account="123456789012")
    assert user.principal_type == "User" and not user.is_role_session


def test_an_unknown_operator_never_grants_and_never_lets_a_denial_through() -> None:
    unknown = {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}
    allow = {
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": unknown}]
    }
    request = Request(action="lambda:CreateFunction", resource=FUNCTION)
    assert evaluate([allow], request).decision is Decision.IMPLICIT_DENY
    assert evaluate([deny(unknown)], request).decision is Decision.DENY

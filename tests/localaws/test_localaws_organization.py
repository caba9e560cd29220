"""Several accounts, Organizations and the organization seed, over real HTTP.

One server for the module, seeded from the command line with ``--accounts``: the management
account plus two members, the last of which refuses the management account's AssumeRole.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws.iam.policy import Principal
from localaws.seed import MEMBER_ROLE_NAME
from localaws.sts.trust import trust_allows
from localaws.testing import LocalAws, running_local_aws
from tests.localaws.localaws_support import assert_required_members, error_code, http_status

ACCOUNTS = 3
FUNCTIONS = 2
MANAGEMENT = "123456789012"


@pytest.fixture(scope="module")
def org_server() -> Iterator[LocalAws]:
    with running_local_aws(tls=False) as local:
        yield local


@pytest.fixture(scope="module")
def seeded(org_server: LocalAws) -> dict[str, Any]:
    """``python -m localaws seed --accounts 3 --functions 2 --unassumable-accounts 1``."""
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "AWS_CA_BUNDLE")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "localaws",
            "seed",
            "--accounts",
            str(ACCOUNTS),
            "--functions",
            str(FUNCTIONS),
            "--unassumable-accounts",
            "1",
            "--prefix",
            "org-",
            "--endpoint-url",
            org_server.endpoint_url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert f"seeded an organization of {ACCOUNTS} accounts" in result.stderr
    return dict(json.loads(result.stdout))


def members(seeded: dict[str, Any], *, assumable: bool) -> list[dict[str, Any]]:
    return [a for a in seeded["accounts"] if a["assumable"] is assumable]


def assume(local: LocalAws, role_arn: str, **kwargs: Any) -> dict[str, Any]:
    reply = local.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="audit", **kwargs)
    assert_required_members("sts", "AssumeRole", reply)
    return dict(reply["Credentials"])


def test_the_seed_names_each_account_and_what_it_holds(
    org_server: LocalAws, seeded: dict[str, Any]
) -> None:
    accounts = seeded["accounts"]
    assert len({a["accountId"] for a in accounts}) == ACCOUNTS
    management = [a for a in accounts if a["management"]]
    assert [a["accountId"] for a in management] == [MANAGEMENT] == [seeded["managementAccountId"]]
    assert management[0]["accessRoleArn"] is None and management[0]["assumable"] is None
    assert len(members(seeded, assumable=True)) == 1 and len(members(seeded, assumable=False)) == 1
    for account in accounts:
        assert account["functions"] == FUNCTIONS
        assert f":{account['accountId']}:" in account["codeSigningConfigArn"]
    # The management account's own functions: $LATEST and version 1 each, signed.
    lambda_ = org_server.client("lambda")
    versions = lambda_.list_versions_by_function(FunctionName=management[0]["firstFunction"])
    assert [v["Version"] for v in versions["Versions"]] == ["$LATEST", "1"]
    assert {v["SigningJobArn"] for v in versions["Versions"]} == {management[0]["signingJobArn"]}


def test_assumed_role_credentials_act_in_the_member_account(
    org_server: LocalAws, seeded: dict[str, Any]
) -> None:
    member = members(seeded, assumable=True)[0]
    assert member["accessRoleArn"] == (
        f"arn:aws:iam::{member['accountId']}:role/{MEMBER_ROLE_NAME}"
    )
    credentials = assume(org_server, member["accessRoleArn"])
    identity = org_server.client_for("sts", credentials).get_caller_identity()
    assert_required_members("sts", "GetCallerIdentity", identity)
    assert identity["Account"] == member["accountId"]
    assert identity["Arn"] == (
        f"arn:aws:sts::{member['accountId']}:assumed-role/{MEMBER_ROLE_NAME}/audit"
    )
    functions = org_server.client_for("lambda", credentials).list_functions()["Functions"]
    assert len(functions) == FUNCTIONS
    assert {f["FunctionArn"].split(":")[4] for f in functions} == {member["accountId"]}
    assert member["firstFunction"] in {f["FunctionName"] for f in functions}
    # ... while the default credentials still act in the management account only.
    own = org_server.client("lambda").list_functions()["Functions"]
    assert {f["FunctionArn"].split(":")[4] for f in own} == {MANAGEMENT}


def test_a_role_whose_trust_policy_refuses_the_caller_is_access_denied(
    org_server: LocalAws, seeded: dict[str, Any]
) -> None:
    refusing = members(seeded, assumable=False)[0]
    with pytest.raises(ClientError) as error:
        assume(org_server, refusing["accessRoleArn"])
    assert error_code(error) == "AccessDenied"
    assert http_status(error) == 403
    message = error.value.response["Error"]["Message"]
    assert "is not authorized to perform: sts:AssumeRole" in message
    assert refusing["accessRoleArn"] in message
    # A role that does not exist is AccessDenied too, as in AWS.
    with pytest.raises(ClientError) as missing:
        assume(org_server, f"arn:aws:iam::{MANAGEMENT}:role/no-such-role")
    assert error_code(missing) == "AccessDenied"


def test_external_id_role_arn_principals_and_role_chaining(
    org_server: LocalAws, seeded: dict[str, Any]
) -> None:
    member = members(seeded, assumable=True)[0]
    session = assume(org_server, member["accessRoleArn"])
    iam = org_server.client_for("iam", session)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{MANAGEMENT}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "s3cret"}},
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": member["accessRoleArn"]},
                "Action": "sts:AssumeRole",
            },
        ],
    }
    role_arn = iam.create_role(
        RoleName="audit-with-external-id", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    for external_id in ({}, {"ExternalId": "wrong1"}):
        with pytest.raises(ClientError) as error:
            assume(org_server, role_arn, **external_id)
        assert error_code(error) == "AccessDenied"
    assert assume(org_server, role_arn, ExternalId="s3cret")["AccessKeyId"]
    # The member's access-role session is named by its role ARN: role chaining, at most 1 h.
    chained = org_server.client_for("sts", session)
    assert chained.assume_role(RoleArn=role_arn, RoleSessionName="chain")["Credentials"]
    with pytest.raises(ClientError) as too_long:
        chained.assume_role(RoleArn=role_arn, RoleSessionName="chain", DurationSeconds=7200)
    assert error_code(too_long) == "ValidationError"


def test_list_accounts_pages_at_most_20_and_reports_status(
    org_server: LocalAws, seeded: dict[str, Any]
) -> None:
    organizations = org_server.client("organizations")
    closed = organizations.create_account(AccountName="closing", Email="closing@example.com")
    closed_id = closed["CreateAccountStatus"]["AccountId"]
    organizations.close_account(AccountId=closed_id)
    listed: list[dict[str, Any]] = []
    token: dict[str, str] = {}
    pages = 0
    while True:
        reply = organizations.list_accounts(MaxResults=1, **token)
        assert_required_members("organizations", "ListAccounts", reply)
        listed += reply["Accounts"]
        pages += 1
        if not reply.get("NextToken"):
            break
        token = {"NextToken": reply["NextToken"]}
    assert pages == len(listed)
    by_id = {account["Id"]: account for account in listed}
    assert {a["accountId"] for a in seeded["accounts"]} | {closed_id} == set(by_id)
    assert {(a["Status"], a["State"]) for i, a in by_id.items() if i != closed_id} == {
        ("ACTIVE", "ACTIVE")
    }
    assert by_id[closed_id]["State"] == "SUSPENDED"
    with pytest.raises(ClientError) as too_many:
        organizations.list_accounts(MaxResults=21)
    assert error_code(too_many) == "InvalidInputException"


def test_members_list_the_organization_only_as_delegated_administrators(
    org_server: LocalAws, seeded: dict[str, Any]
) -> None:
    member = members(seeded, assumable=True)[0]
    session = assume(org_server, member["accessRoleArn"])
    organizations = org_server.client_for("organizations", session)
    with pytest.raises(ClientError) as error:
        organizations.list_accounts()
    assert error_code(error) == "AccessDeniedException"
    described = organizations.describe_organization()["Organization"]
    assert described["Id"] == seeded["organizationId"]
    # A delegated administrator may list the organization's accounts.
    org_server.client("organizations").register_delegated_administrator(
        AccountId=member["accountId"], ServicePrincipal="ssm.amazonaws.com"
    )
    listed = {a["Id"] for a in organizations.list_accounts()["Accounts"]}
    assert {a["accountId"] for a in seeded["accounts"]} <= listed


def test_seed_rejects_bad_organization_requests(org_server: LocalAws) -> None:
    from localaws.process import AdminCallError

    for payload in (
        {"functions": 1, "accounts": 0},
        {"functions": 1, "accounts": 2, "unassumableAccounts": 2},
        {"functions": 1, "unassumableAccounts": 1},
    ):
        with pytest.raises(AdminCallError) as error:
            org_server.admin("POST", "seed", payload)
        assert error.value.status == 400, payload


# -- the trust policy evaluation itself (no server) ----------------------------------------------

USER = Principal(arn="arn:aws:iam::111111111111:user/u", account="111111111111")
SESSION = Principal(
    arn="arn:aws:iam::111111111111:role/r",
    account="111111111111",
    session_arn="arn:aws:sts::111111111111:assumed-role/r/s",
)
#: The admin keys: the account's root user.
ROOT = Principal(arn="arn:aws:iam::111111111111:root", account="111111111111")
ROLE_ARN = "arn:aws:iam::111111111111:role/target"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


@pytest.mark.parametrize(
    ("document", "caller", "external_id", "allowed"),
    [
        (policy(allow({"AWS": "arn:aws:iam::111111111111:root"})), USER, None, True),
        (policy(allow({"AWS": "111111111111"})), SESSION, None, True),
        (policy(allow({"AWS": "arn:aws:iam::222222222222:root"})), USER, None, False),
        (policy(allow({"AWS": "arn:aws:iam::111111111111:role/r"})), SESSION, None, True),
        (policy(allow({"AWS": "arn:aws:iam::111111111111:role/r"})), USER, None, False),
        (policy(allow({"AWS": SESSION.session_arn})), SESSION, None, True),
        (policy(allow({"AWS": "arn:aws:iam::111111111111:root"})), ROOT, None, True),
        (policy(allow({"AWS": "arn:aws:iam::111111111111:user/u"})), ROOT, None, False),
        (
            policy(
                allow(
                    {"AWS": "111111111111"},
                    Condition={"StringEquals": {"aws:PrincipalType": "AssumedRole"}},
                )
            ),
            SESSION,
            None,
            True,
        ),
        (
            policy(
                allow(
                    {"AWS": "111111111111"},
                    Condition={"StringEquals": {"aws:PrincipalType": "AssumedRole"}},
                )
            ),
            USER,
            None,
            False,
        ),
        (policy(allow({"AWS": ["arn:aws:iam::111111111111:user/u"]})), USER, None, True),
        (policy(allow("*")), USER, None, True),
        (policy(allow({"Service": "lambda.amazonaws.com"})), USER, None, False),
        (policy({**allow({"AWS": "111111111111"}), "Action": "sts:*"}), USER, None, True),
        (policy({**allow({"AWS": "111111111111"}), "Action": "s3:GetObject"}), USER, None, False),
        (
            policy(
                allow({"AWS": "111111111111"}),
                {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"},
            ),
            USER,
            None,
            False,
        ),
        (
            policy(
                allow({"AWS": "111111111111"}, Condition={"StringEquals": {"sts:ExternalId": "x1"}})
            ),
            USER,
            "x1",
            True,
        ),
        (
            policy(
                allow({"AWS": "111111111111"}, Condition={"StringEquals": {"sts:ExternalId": "x1"}})
            ),
            USER,
            None,
            False,
        ),
        # A key the request lacks: a positive operator on it does not hold, so nothing is
        # granted; a Deny with NotPrincipal applies to everyone else.
        (
            policy(
                allow(
                    {"AWS": "111111111111"},
                    Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}},
                )
            ),
            USER,
            None,
            False,
        ),
        (
            policy(
                allow({"AWS": "111111111111"}),
                {"Effect": "Deny", "NotPrincipal": {"AWS": "x"}, "Action": "sts:AssumeRole"},
            ),
            USER,
            None,
            False,
        ),
        (
            policy(
                allow({"AWS": "111111111111"}),
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}},
                },
            ),
            USER,
            None,
            False,
        ),
        ("not json", USER, None, False),
        ("[]", USER, None, False),
        (policy(), USER, None, False),
    ],
)
def test_trust_policy_evaluation(
    document: str, caller: Principal, external_id: str | None, allowed: bool
) -> None:
    assert trust_allows(document, ROLE_ARN, caller, external_id) is allowed


def test_unassumable_accounts_needs_accounts_on_the_command_line(org_server: LocalAws) -> None:
    result = subprocess.run(
        [
            *(sys.executable, "-m", "localaws", "seed", "--functions", "1"),
            *("--unassumable-accounts", "1", "--endpoint-url", org_server.endpoint_url),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --unassumable-accounts needs --accounts"
    assert result.stdout == ""

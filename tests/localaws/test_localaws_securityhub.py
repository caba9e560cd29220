"""Security Hub findings over real HTTP: import, get, update, as a finding provider and its
customer use them (a seeded organization of three accounts, Security Hub enabled in each, the
management account their administrator)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws.testing import LocalAws, running_local_aws
from tests.localaws.localaws_support import (
    asff_finding,
    assert_required_members,
    custom_product_arn,
    error_code,
    http_status,
)

REGION = "us-east-1"


@pytest.fixture(scope="module")
def hub_server() -> Iterator[LocalAws]:
    with running_local_aws(tls=False) as local:
        yield local


@pytest.fixture(scope="module")
def organization(hub_server: LocalAws) -> dict[str, Any]:
    return hub_server.seed(1, layers=0, prefix="hub-", accounts=3)


class Member:
    """A member account's Security Hub client (through its access role) and ids."""

    def __init__(self, local: LocalAws, account: dict[str, Any]) -> None:
        credentials = local.client("sts").assume_role(
            RoleArn=account["accessRoleArn"], RoleSessionName="hub-test"
        )["Credentials"]
        self.account_id: str = account["accountId"]
        self.hub = local.client_for("securityhub", credentials)
        self.product_arn = custom_product_arn(self.account_id)

    def finding(self, finding_id: str, at: datetime, **fields: Any) -> dict[str, Any]:
        return asff_finding(self.account_id, finding_id, at, **fields)

    def get(self, finding_id: str) -> dict[str, Any]:
        reply = self.hub.get_findings(
            Filters={"Id": [{"Value": finding_id, "Comparison": "EQUALS"}]}
        )
        assert_required_members("securityhub", "GetFindings", reply)
        [found] = reply["Findings"]
        return dict(found)


@pytest.fixture(scope="module")
def members(hub_server: LocalAws, organization: dict[str, Any]) -> list[Member]:
    return [Member(hub_server, a) for a in organization["accounts"] if not a["management"]]


NOW = datetime.now(UTC).replace(microsecond=0)


def imported(member: Member, *findings: dict[str, Any]) -> dict[str, Any]:
    reply = member.hub.batch_import_findings(Findings=list(findings))
    assert_required_members("securityhub", "BatchImportFindings", reply)
    return dict(reply)


def test_a_fixed_finding_is_archived_then_resolved_and_reopens(
    hub_server: LocalAws, members: list[Member]
) -> None:
    member = members[0]
    reply = imported(member, member.finding("fixed-1", NOW))
    assert (reply["SuccessCount"], reply["FailedCount"]) == (1, 0)
    created = member.get("fixed-1")
    assert created["RecordState"] == "ACTIVE" and created["Workflow"] == {"Status": "NEW"}
    assert created["Region"] == REGION and created["ProcessedAt"]
    assert created["FindingProviderFields"]["Severity"] == {"Label": "HIGH"}

    # This run passed: the provider archives it (BatchImportFindings, a later UpdatedAt) ...
    later = NOW + timedelta(minutes=1)
    passed = member.finding(
        "fixed-1", later, Compliance={"Status": "PASSED"}, RecordState="ARCHIVED"
    )
    assert imported(member, passed)["SuccessCount"] == 1
    # ... and resolves it as the customer (BatchUpdateFindings: Workflow is not the provider's).
    update = member.hub.batch_update_findings(
        FindingIdentifiers=[{"Id": "fixed-1", "ProductArn": member.product_arn}],
        Workflow={"Status": "RESOLVED"},
        Note={"Text": "fixed by redeploy", "UpdatedBy": "signed-lambda"},
    )
    assert_required_members("securityhub", "BatchUpdateFindings", update)
    assert update["ProcessedFindings"] == [{"Id": "fixed-1", "ProductArn": member.product_arn}]
    assert update["UnprocessedFindings"] == []
    resolved = member.get("fixed-1")
    assert (resolved["RecordState"], resolved["Workflow"]["Status"]) == ("ARCHIVED", "RESOLVED")
    assert resolved["Note"]["Text"] == "fixed by redeploy"
    assert resolved["UpdatedAt"] == passed["UpdatedAt"]  # BatchUpdateFindings keeps UpdatedAt

    # An import cannot change Workflow; failing again reopens it: ACTIVE, Workflow back to NEW.
    again = member.finding(
        "fixed-1", later + timedelta(minutes=1), Workflow={"Status": "SUPPRESSED"}
    )
    imported(member, again)
    reopened = member.get("fixed-1")
    assert (reopened["RecordState"], reopened["Workflow"]["Status"]) == ("ACTIVE", "NEW")
    assert reopened["Note"]["Text"] == "fixed by redeploy"


def test_an_update_not_later_than_the_stored_one_is_ignored(members: list[Member]) -> None:
    member = members[0]
    imported(member, member.finding("stale-1", NOW, Title="first"))
    reply = imported(member, member.finding("stale-1", NOW, Title="same instant"))
    assert reply["SuccessCount"] == 1
    imported(member, member.finding("stale-1", NOW - timedelta(days=1), Title="older"))
    assert member.get("stale-1")["Title"] == "first"


def test_invalid_findings_fail_one_by_one(members: list[Member]) -> None:
    member = members[0]
    bad_schema = member.finding("bad-schema", NOW, SchemaVersion="2020-01-01")
    bad_time = member.finding("bad-time", NOW, UpdatedAt="yesterday")
    blank_title = member.finding("blank-title", NOW, Title=" ")
    no_resources = member.finding("no-resources", NOW, Resources=[])
    good = member.finding("good-1", NOW)
    reply = imported(member, bad_schema, bad_time, blank_title, no_resources, good)
    assert (reply["SuccessCount"], reply["FailedCount"]) == (1, 4)
    failed = {f["Id"]: f for f in reply["FailedFindings"]}
    assert set(failed) == {"bad-schema", "bad-time", "blank-title", "no-resources"}
    assert {f["ErrorCode"] for f in failed.values()} == {"InvalidInput"}
    assert "SchemaVersion" in failed["bad-schema"]["ErrorMessage"]
    assert "UpdatedAt" in failed["bad-time"]["ErrorMessage"]
    assert "Title" in failed["blank-title"]["ErrorMessage"]
    assert member.get("good-1")["Id"] == "good-1"


def test_only_the_callers_own_account_and_product_are_accepted(members: list[Member]) -> None:
    member, other = members
    for finding in (
        member.finding("x-1", NOW, AwsAccountId=other.account_id),
        member.finding("x-2", NOW, ProductArn=other.product_arn),
    ):
        with pytest.raises(ClientError) as error:
            member.hub.batch_import_findings(Findings=[finding])
        assert error_code(error) == "AccessDeniedException"
        assert http_status(error) == 403


def test_without_security_hub_every_finding_fails_with_invalid_access(
    hub_server: LocalAws, members: list[Member]
) -> None:
    member = members[1]
    member.hub.disable_security_hub()
    try:
        reply = imported(member, member.finding("off-1", NOW))
        assert reply["FailedCount"] == 1
        assert reply["FailedFindings"][0]["ErrorCode"] == "InvalidAccess"
        with pytest.raises(ClientError) as error:
            member.hub.get_findings()
        assert error_code(error) == "InvalidAccessException"
    finally:
        member.hub.enable_security_hub(EnableDefaultStandards=False)


def test_get_findings_filters(members: list[Member]) -> None:
    member = members[1]
    imported(
        member,
        member.finding("filter-a", NOW, GeneratorId="gen/a"),
        member.finding("filter-b", NOW, GeneratorId="gen/b", RecordState="ARCHIVED"),
        member.finding("other-c", NOW, GeneratorId="other"),
    )

    def ids(**filters: list[dict[str, str]]) -> set[str]:
        return {f["Id"] for f in member.hub.get_findings(Filters=filters)["Findings"]}

    assert ids(Id=[{"Value": "filter-", "Comparison": "PREFIX"}]) == {"filter-a", "filter-b"}
    assert ids(GeneratorId=[{"Value": "gen/a", "Comparison": "EQUALS"}]) == {"filter-a"}
    assert ids(
        Id=[{"Value": "filter-", "Comparison": "PREFIX"}],
        RecordState=[{"Value": "ACTIVE", "Comparison": "EQUALS"}],
    ) == {"filter-a"}
    assert ids(
        ProductArn=[{"Value": member.product_arn, "Comparison": "EQUALS"}],
        AwsAccountId=[{"Value": member.account_id, "Comparison": "EQUALS"}],
        GeneratorId=[
            {"Value": "gen/a", "Comparison": "NOT_EQUALS"},
            {"Value": "gen/b", "Comparison": "NOT_EQUALS"},
        ],
    ) == {"other-c"} | ids(GeneratorId=[{"Value": "gen/", "Comparison": "PREFIX_NOT_EQUALS"}])
    for refused in (
        {"Keyword": [{"Value": "x"}]},
        {
            "Id": [
                {"Value": "a", "Comparison": "EQUALS"},
                {"Value": "b", "Comparison": "NOT_EQUALS"},
            ]
        },
        {"Title": [{"Value": "x", "Comparison": "CONTAINS_WORD"}]},
    ):
        with pytest.raises(ClientError) as error:
            member.hub.get_findings(Filters=refused)
        assert error_code(error) == "InvalidInputException", refused


def test_get_findings_pages(members: list[Member]) -> None:
    member = members[1]
    imported(member, *(member.finding(f"page-{n}", NOW) for n in range(7)))
    page_filter = {"Id": [{"Value": "page-", "Comparison": "PREFIX"}]}
    seen: list[str] = []
    token: dict[str, str] = {}
    while True:
        reply = member.hub.get_findings(Filters=page_filter, MaxResults=3, **token)
        assert len(reply["Findings"]) <= 3
        seen += [f["Id"] for f in reply["Findings"]]
        if "NextToken" not in reply:
            break
        token = {"NextToken": reply["NextToken"]}
    assert seen == [f"page-{n}" for n in range(7)]
    first = member.hub.get_findings(Filters=page_filter, MaxResults=3)
    with pytest.raises(ClientError) as other_filters:
        member.hub.get_findings(MaxResults=3, NextToken=first["NextToken"])
    assert error_code(other_filters) == "InvalidInputException"
    with pytest.raises(ClientError) as too_many:
        member.hub.get_findings(MaxResults=101)
    assert error_code(too_many) == "InvalidInputException"


def test_the_administrator_sees_and_updates_member_findings(
    hub_server: LocalAws, organization: dict[str, Any], members: list[Member]
) -> None:
    member, other = members
    imported(member, member.finding("admin-1", NOW))
    admin = hub_server.client("securityhub")
    found = admin.get_findings(
        Filters={
            "Id": [{"Value": "admin-1", "Comparison": "EQUALS"}],
            "AwsAccountId": [{"Value": member.account_id, "Comparison": "EQUALS"}],
        }
    )["Findings"]
    assert [f["AwsAccountId"] for f in found] == [member.account_id]
    identifier = {"Id": "admin-1", "ProductArn": member.product_arn}
    assert admin.batch_update_findings(
        FindingIdentifiers=[identifier], Workflow={"Status": "NOTIFIED"}
    )["ProcessedFindings"] == [identifier]
    assert member.get("admin-1")["Workflow"]["Status"] == "NOTIFIED"
    # A member sees only its own findings and cannot update another member's.
    assert (
        other.hub.get_findings(Filters={"Id": [{"Value": "admin-1", "Comparison": "EQUALS"}]})[
            "Findings"
        ]
        == []
    )
    refused = other.hub.batch_update_findings(
        FindingIdentifiers=[identifier], Workflow={"Status": "RESOLVED"}
    )
    assert refused["ProcessedFindings"] == []
    assert refused["UnprocessedFindings"][0]["ErrorCode"] == "FindingNotFound"

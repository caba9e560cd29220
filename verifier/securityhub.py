"""``--security-hub``: an audit's findings into AWS Security Hub (the verifier's one writer).

Security Hub accepts a finding from a custom integration only from the account the finding is
about (``AwsAccountId``), under that account's own product ARN; so each account's findings are
imported with that account's session, into the Security Hub Region given, where the
organization's (delegated) administrator sees them with GetFindings. Per account:

1. ``GetFindings``: this tool's ACTIVE findings there (product ARN, ``GeneratorId`` prefix
   ``signed-lambda/``, ``RecordState`` ACTIVE), i.e. what failed, warned or could not run before;
2. ``BatchImportFindings``, 100 a request (botocore retries throttling, adaptive mode): every
   finding that did not pass (ACTIVE), and, for each finding that was ACTIVE before and passed
   in this run, its passing version (``Compliance.Status`` PASSED, ``RecordState`` ARCHIVED, a
   later ``UpdatedAt``: how a provider archives a resolved finding). A finding that was ACTIVE
   and is not in this run at all, though the run covered it (:class:`Coverage`: its
   account-region audited completely, its function in the run's scope), is archived too: what
   it was about is gone (a layer version replaced by a new one, a deleted published version or
   function), so nothing fails there any more. A finding Security Hub refuses
   (``FailedFindings``) is named;
3. ``BatchUpdateFindings``: the archived ones get ``Workflow.Status`` RESOLVED (only this API
   sets the workflow) with a note saying the check passed, or that it is gone.

Permissions in each account: ``securityhub:BatchImportFindings``, ``securityhub:GetFindings``
and ``securityhub:BatchUpdateFindings``, and Security Hub enabled in that Region.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from verifier.checks.findings import Finding, Report, Status
from verifier.checks.rules import FLEET_ACCESS, FLEET_LISTED
from verifier.checks.scope import Scope
from verifier.collect.aws import client_config, concurrently, error_code
from verifier.report import asff
from verifier.session import AwsSession

MAX_BATCH = 100
#: Accounts imported at once (each account-region has its own import quota).
IMPORT_WORKERS = 8
NOTE_AUTHOR = "signed-lambda"
#: The members of a stored finding that make up its import (what :func:`asff.document` writes;
#: Security Hub adds the rest).
IMPORTED_FIELDS = (
    "SchemaVersion",
    "Id",
    "ProductArn",
    "ProductName",
    "GeneratorId",
    "AwsAccountId",
    "Types",
    "CreatedAt",
    "Severity",
    "Title",
    "Description",
    "Remediation",
    "Resources",
    "Compliance",
    "FindingProviderFields",
)


@dataclass(frozen=True)
class Refused:
    """A finding (or a whole account's import) Security Hub did not take."""

    account: str
    finding_id: str | None
    reason: str

    def line(self) -> str:
        what = f"finding {self.finding_id}" if self.finding_id else "its findings"
        return f"security hub: account {self.account}: {what} not imported: {self.reason}"


@dataclass
class ImportResult:
    region: str
    imported: int = 0
    #: Findings that failed before and passed now: archived and resolved.
    resolved: int = 0
    accounts: int = 0
    refused: list[Refused] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.refused


@dataclass(frozen=True)
class Coverage:
    """What a run saw completely, so that a stored finding absent from it is gone: the
    account-regions audited in full (not unreachable, every listing complete) and the run's
    scope (a ``--function-prefix`` covers only its functions; a narrowed scope, a blast radius,
    covers nothing: it reports only some checks)."""

    account_regions: frozenset[tuple[str, str]]
    scope: Scope

    @classmethod
    def of(cls, report: Report, scope: Scope) -> Coverage:
        if scope.narrowed:
            return cls(frozenset(), scope)
        seen = {(f.account, f.region) for f in report.findings if f.account and f.region}
        incomplete = {
            (f.account, f.region)
            for f in report.findings
            if f.check_id in (FLEET_ACCESS, FLEET_LISTED) and f.account and f.region
        }
        return cls(frozenset(seen - incomplete), scope)

    def covers(self, finding_id: str) -> bool:
        subject = asff.subject_of_id(finding_id)
        if subject is None:
            return False
        account, region, function = subject
        if (account, region) not in self.account_regions:
            return False
        return function == "*" or self.scope.selects_name(function)


def _batches(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), MAX_BATCH):
        yield items[start : start + MAX_BATCH]


def _reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        message = error.response.get("Error", {}).get("Message", "")
        return " ".join(f"{error_code(error)}: {message}".split())
    return " ".join(str(error).split())


def _later(stamp: str, than: str | None) -> str:
    """``stamp``, or a millisecond after ``than`` when that is not earlier (Security Hub
    ignores an update whose UpdatedAt is not later than the stored one)."""
    if than is None or than < stamp:
        return stamp
    try:
        stored = datetime.fromisoformat(than.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return asff.timestamp(stored + timedelta(milliseconds=1))


def previously_active(hub: Any, account: str, region: str) -> dict[str, dict[str, Any]]:
    """This tool's ACTIVE findings of the account in the Region, by Id."""
    filters = {
        "ProductArn": [{"Value": asff.product_arn(account, region), "Comparison": "EQUALS"}],
        "GeneratorId": [{"Value": asff.GENERATOR_PREFIX, "Comparison": "PREFIX"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
    }
    found: dict[str, dict[str, Any]] = {}
    for page in hub.get_paginator("get_findings").paginate(Filters=filters):
        for finding in page.get("Findings") or []:
            found[str(finding["Id"])] = finding
    return found


def _archived(stored: Mapping[str, Any], updated_at: str) -> dict[str, Any]:
    """A stored finding as its provider archives it (the same finding, ``RecordState``
    ARCHIVED, a later ``UpdatedAt``)."""
    document = {key: stored[key] for key in IMPORTED_FIELDS if key in stored}
    fields = stored.get("ProductFields") or {}
    document["ProductFields"] = {
        key: value for key, value in fields.items() if key.startswith(asff.GENERATOR_PREFIX)
    }
    document["UpdatedAt"] = updated_at
    document["RecordState"] = "ARCHIVED"
    return document


def import_account(
    hub: Any,
    account: str,
    findings: Sequence[Finding],
    region: str,
    now: datetime,
    coverage: Coverage,
) -> ImportResult:
    """Steps 1-3 of the module docstring for one account."""
    result = ImportResult(region=region, accounts=1)
    try:
        active = previously_active(hub, account, region)
    except (ClientError, BotoCoreError) as error:
        result.refused.append(Refused(account, None, f"GetFindings: {_reason(error)}"))
        return result
    stamp = asff.timestamp(now)
    documents = []
    passed: set[str] = set()
    for finding in findings:
        finding_id = asff.finding_id(finding)
        before = active.get(finding_id)
        if finding.status is Status.PASS and before is None:
            continue  # passed then and now, or never imported: nothing to tell Security Hub
        document = asff.document(
            finding,
            region=region,
            now=now,
            created_at=before.get("CreatedAt") if before else None,
        )
        document["UpdatedAt"] = _later(stamp, before.get("UpdatedAt") if before else None)
        documents.append(document)
        if finding.status is Status.PASS:
            passed.add(finding_id)
    current = {asff.finding_id(finding) for finding in findings}
    gone: set[str] = set()
    for finding_id, stored in sorted(active.items()):
        if finding_id in current or not coverage.covers(finding_id):
            continue
        if stored.get("AwsAccountId") != account:
            continue  # a member's finding the administrator sees: imported with its session
        documents.append(_archived(stored, _later(stamp, stored.get("UpdatedAt"))))
        gone.add(finding_id)
    imported: set[str] = set()
    for batch in _batches(documents):
        try:
            reply = hub.batch_import_findings(Findings=list(batch))
        except (ClientError, BotoCoreError) as error:
            for document in batch:
                result.refused.append(Refused(account, document["Id"], _reason(error)))
            continue
        failed = {str(f.get("Id")): f for f in reply.get("FailedFindings") or []}
        for finding_id, item in failed.items():
            reason = f"{item.get('ErrorCode', 'Error')}: {item.get('ErrorMessage', '')}"
            result.refused.append(Refused(account, finding_id, " ".join(reason.split())))
        imported |= {d["Id"] for d in batch if d["Id"] not in failed}
    result.imported = len(imported)
    product = asff.product_arn(account, region)
    for ids, text in (
        (passed, f"Resolved: the check passed in the audit of {stamp}."),
        (
            gone,
            f"Resolved: not found by the audit of {stamp}, which covered it: the code path, "
            "layer version or function it was about is gone.",
        ),
    ):
        _resolve(hub, account, product, sorted(ids & imported), text, result)
    return result


def _resolve(
    hub: Any, account: str, product: str, ids: Sequence[str], text: str, result: ImportResult
) -> None:
    """``Workflow.Status`` RESOLVED, with a note, for archived findings (step 3)."""
    note = {"Text": text, "UpdatedBy": NOTE_AUTHOR}
    for batch in _batches(ids):
        identifiers = [{"Id": finding_id, "ProductArn": product} for finding_id in batch]
        try:
            reply = hub.batch_update_findings(
                FindingIdentifiers=identifiers, Workflow={"Status": "RESOLVED"}, Note=note
            )
        except (ClientError, BotoCoreError) as error:
            for finding_id in batch:
                reason = f"BatchUpdateFindings: {_reason(error)}"
                result.refused.append(Refused(account, finding_id, reason))
            continue
        unprocessed = reply.get("UnprocessedFindings") or []
        for item in unprocessed:
            identifier = item.get("FindingIdentifier") or {}
            reason = f"not resolved: {item.get('ErrorCode', '')}: {item.get('ErrorMessage', '')}"
            result.refused.append(Refused(account, identifier.get("Id"), reason))
        result.resolved += len(batch) - len(unprocessed)


def import_report(
    report: Report,
    sessions: Mapping[str, AwsSession],
    *,
    region: str,
    scope: Scope,
    now: datetime | None = None,
    max_attempts: int = 10,
) -> ImportResult:
    """Every account's findings, each with its own session (accounts several at a time);
    ``scope``: the run's (what it covered, :class:`Coverage`)."""
    moment = now or datetime.now(UTC)
    coverage = Coverage.of(report, scope)
    by_account: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_account.setdefault(finding.account or "", []).append(finding)
    total = ImportResult(region=region)
    for account in sorted(by_account):
        if account not in sessions:
            total.refused.append(
                Refused(account or "unknown", None, "no session in that account (see the errors)")
            )

    def one(account: str) -> ImportResult:
        hub = sessions[account].client(
            "securityhub", region_name=region, config=client_config(max_attempts)
        )
        try:
            return import_account(hub, account, by_account[account], region, moment, coverage)
        finally:
            hub.close()

    reachable = sorted(account for account in by_account if account in sessions)
    results = concurrently(one, reachable, IMPORT_WORKERS, name="security-hub")
    for result in results.values():
        total.imported += result.imported
        total.resolved += result.resolved
        total.accounts += result.accounts
        total.refused += result.refused
    return total

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
   later ``UpdatedAt``: how a provider archives a resolved finding). A finding Security Hub
   refuses (``FailedFindings``) is named;
3. ``BatchUpdateFindings``: the archived ones get ``Workflow.Status`` RESOLVED (only this API
   sets the workflow) with a note saying the check passed.

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
from verifier.collect.aws import client_config, concurrently, error_code
from verifier.report import asff
from verifier.session import AwsSession

MAX_BATCH = 100
#: Accounts imported at once (each account-region has its own import quota).
IMPORT_WORKERS = 8
NOTE_AUTHOR = "signed-lambda"


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


def import_account(
    hub: Any, account: str, findings: Sequence[Finding], region: str, now: datetime
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
    resolving = set()
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
            resolving.add(finding_id)
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
    archived = sorted(resolving & imported)
    note = {
        "Text": f"Resolved: the check passed in the audit of {stamp}.",
        "UpdatedBy": NOTE_AUTHOR,
    }
    product = asff.product_arn(account, region)
    for batch in _batches(archived):
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
    return result


def import_report(
    report: Report,
    sessions: Mapping[str, AwsSession],
    *,
    region: str,
    now: datetime | None = None,
    max_attempts: int = 10,
) -> ImportResult:
    """Every account's findings, each with its own session (accounts several at a time)."""
    moment = now or datetime.now(UTC)
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
            return import_account(hub, account, by_account[account], region, moment)
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

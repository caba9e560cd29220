"""Security Hub backend extended with the finding lifecycle AWS documents.

moto 5.2.5 stores findings by ``Id`` alone, in a list searched on every import, requires only
``Resources``, merges an update into the stored finding whatever it changes, and ignores
GetFindings filters; it has no BatchUpdateFindings. :class:`ExtendedSecurityHubBackend` keeps
moto's hub, member and organization handling and replaces the finding operations:

BatchImportFindings (the finding provider's API)
  - Findings are identified by ``ProductArn`` + ``Id``.
  - A caller may import only findings of its own account (``AwsAccountId``) for its own custom
    integration (``ProductArn``
    ``arn:<partition>:securityhub:<region>:<account>:product/<account>/default``): anything else
    is AccessDeniedException for the whole request, as AWS answers it. Partner product ARNs are
    not modeled.
  - Without Security Hub enabled in the caller's account and region, every finding is returned in
    ``FailedFindings`` with ``InvalidAccess``; an invalid finding with ``InvalidInput``
    (:func:`localaws.securityhub.findings.format_error`). Neither fails the request.
  - New finding: ``RecordState`` defaults to ACTIVE, ``Workflow.Status`` to NEW; Security Hub
    sets ``Region``, ``ProcessedAt`` and, for a custom integration, ``ProductName`` Default and
    ``CompanyName`` Personal unless given; ``FindingProviderFields`` and the top-level
    Confidence/Criticality/RelatedFindings/Severity/Types fill each other in.
  - Update: ignored (still counted a success) unless its ``UpdatedAt`` is later than the stored
    one. An update overwrites the finding (AWS's partner guide: "overwrite the existing finding
    by submitting the same finding ID"), so an omitted ``RecordState`` is ACTIVE again. ``Note``,
    ``UserDefinedFields``, ``VerificationState`` and ``Workflow`` are never changed by an import;
    the five provider fields are not changed once BatchUpdateFindings set them.
    ``Workflow.Status`` NOTIFIED or RESOLVED goes back to NEW when ``RecordState`` changes from
    ARCHIVED to ACTIVE or ``Compliance.Status`` from PASSED to FAILED, WARNING or NOT_AVAILABLE.

BatchUpdateFindings (the customer's API: how a finding becomes ``Workflow.Status`` RESOLVED)
  - Updates up to 100 findings of the caller's account, or of its member accounts when the
    caller is their Security Hub administrator (CreateMembers), without changing ``UpdatedAt``;
    an unknown identifier is returned in ``UnprocessedFindings`` (``FindingNotFound``).

GetFindings
  - Returns the caller's findings and, for an administrator, its enabled members' findings in
    the same region; filters and sorting as in :mod:`localaws.securityhub.findings`; paged with
    moto's ``@paginate`` (MaxResults 1..100, default 100). Without SortCriteria findings come in
    import order (AWS documents no default order).

Not modeled: the automatic RESOLVED of Security Hub's own control findings, cross-Region
aggregation, finding history, insights, and the 90-day expiry.
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime
from typing import Any

from moto.securityhub.models import Finding, SecurityHubBackend, securityhub_backends
from moto.utilities.paginator import paginate
from moto.utilities.utils import get_partition

from localaws.paging import service_token_errors

from . import findings as asff
from .exceptions import (
    AccessDeniedException,
    InvalidAccessException,
    InvalidInputException,
    InvalidNextTokenException,
)

MAX_BATCH = 100
MAX_GET_FINDINGS = 100
#: Investigation fields only BatchUpdateFindings changes once a finding exists.
CUSTOMER_FIELDS = ("Note", "UserDefinedFields", "VerificationState", "Workflow")
#: Fields a provider sets through FindingProviderFields; a customer's BatchUpdateFindings wins.
PROVIDER_FIELDS = ("Confidence", "Criticality", "RelatedFindings", "Severity", "Types")
CUSTOM_PRODUCT_NAME = "Default"
CUSTOM_COMPANY_NAME = "Personal"
_RESET_ON_REOPEN = {"NOTIFIED", "RESOLVED"}
_FAILING_COMPLIANCE = {"FAILED", "WARNING", "NOT_AVAILABLE"}
# One sequence across every account, so an administrator's merged listing pages stably.
_sequence = itertools.count()


class StoredFinding(Finding):
    """A finding as Security Hub holds it; ``sequence`` orders and pages listings."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data["Id"], data)
        self.product_arn: str = data["ProductArn"]
        self.sequence = next(_sequence)
        #: PROVIDER_FIELDS a customer set with BatchUpdateFindings.
        self.customer_set: set[str] = set()


PAGINATION_MODEL = {
    "_findings_page": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": MAX_GET_FINDINGS,
        "unique_attribute": "sequence",
        "fail_on_invalid_token": InvalidNextTokenException,
    },
}


def _provider_severity(severity: dict[str, Any]) -> dict[str, Any]:
    return {key: severity[key] for key in ("Label", "Original") if key in severity}


def _fill_provider_fields(data: dict[str, Any]) -> None:
    """FindingProviderFields and the top-level fields fill each other in (a new finding)."""
    provider = data.setdefault("FindingProviderFields", {})
    for name in PROVIDER_FIELDS:
        if name in data and name not in provider:
            provider[name] = (
                _provider_severity(data[name]) if name == "Severity" else copy.deepcopy(data[name])
            )
        elif name in provider and name not in data:
            data[name] = copy.deepcopy(provider[name])
    if not provider:
        del data["FindingProviderFields"]


class ExtendedSecurityHubBackend(SecurityHubBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.stored: dict[tuple[str, str], StoredFinding] = {}

    # -- who may see and touch what --

    def custom_product_arn(self) -> str:
        partition = get_partition(self.region_name)
        return (
            f"arn:{partition}:securityhub:{self.region_name}:{self.account_id}:"
            f"product/{self.account_id}/default"
        )

    def _visible_backends(self) -> list[ExtendedSecurityHubBackend]:
        """This account's hub and, for an administrator, its enabled members' hubs."""
        backends = [self]
        for account_id, member in self.members.items():
            if member.get("MemberStatus") == "ENABLED" and account_id != self.account_id:
                backend = securityhub_backends[account_id][self.region_name]
                assert isinstance(backend, ExtendedSecurityHubBackend)
                backends.append(backend)
        return backends

    def _require_enabled(self) -> None:
        if not self.enabled:
            raise InvalidAccessException(self.account_id)

    def disable_security_hub(self) -> dict[str, Any]:
        result = super().disable_security_hub()
        self.stored.clear()
        return result

    # -- BatchImportFindings --

    def batch_import_findings(  # type: ignore[override]
        self, findings: list[dict[str, Any]], caller_arn: str = ""
    ) -> tuple[int, int, list[dict[str, Any]]]:
        if not isinstance(findings, list) or not 1 <= len(findings) <= MAX_BATCH:
            raise InvalidInputException(f"Findings must hold 1 to {MAX_BATCH} findings")
        product_arn = self.custom_product_arn()
        for finding in findings:
            if not isinstance(finding, dict):
                continue
            account, product = finding.get("AwsAccountId"), finding.get("ProductArn")
            if (isinstance(account, str) and account != self.account_id) or (
                isinstance(product, str) and product != product_arn
            ):
                raise AccessDeniedException(
                    caller_arn,
                    "BatchImportFindings",
                    product if isinstance(product, str) else product_arn,
                )
        failed: list[dict[str, Any]] = []
        for finding in findings:
            finding_id = finding.get("Id") if isinstance(finding, dict) else None
            shown_id = finding_id if isinstance(finding_id, str) else ""
            if not self.enabled:
                failed.append(
                    {
                        "Id": shown_id,
                        "ErrorCode": "InvalidAccess",
                        "ErrorMessage": str(InvalidAccessException(self.account_id).message),
                    }
                )
                continue
            error = asff.format_error(finding)
            if error is not None:
                failed.append({"Id": shown_id, "ErrorCode": "InvalidInput", "ErrorMessage": error})
                continue
            self._import(finding)
        return len(failed), len(findings) - len(failed), failed

    def _import(self, incoming: dict[str, Any]) -> None:
        key = (incoming["ProductArn"], incoming["Id"])
        data = copy.deepcopy(incoming)
        data["Region"] = self.region_name
        data["ProcessedAt"] = asff.now_timestamp()
        data.setdefault("ProductName", CUSTOM_PRODUCT_NAME)
        data.setdefault("CompanyName", CUSTOM_COMPANY_NAME)
        stored = self.stored.get(key)
        if stored is None:
            data.setdefault("RecordState", "ACTIVE")
            data.setdefault("Workflow", {"Status": "NEW"})
            _fill_provider_fields(data)
            self.stored[key] = StoredFinding(data)
            return
        previous = stored.data
        if asff.parse_timestamp(data["UpdatedAt"]) <= asff.parse_timestamp(previous["UpdatedAt"]):  # type: ignore[operator]
            return
        for name in CUSTOMER_FIELDS:
            data.pop(name, None)
            if name in previous:
                data[name] = copy.deepcopy(previous[name])
        for name in stored.customer_set:
            data[name] = copy.deepcopy(previous[name])
        data.setdefault("RecordState", "ACTIVE")
        _fill_provider_fields(data)
        reopened = previous.get("RecordState") == "ARCHIVED" and data["RecordState"] == "ACTIVE"
        regressed = (previous.get("Compliance") or {}).get("Status") == "PASSED" and (
            (data.get("Compliance") or {}).get("Status") in _FAILING_COMPLIANCE
        )
        workflow = data.setdefault("Workflow", {"Status": "NEW"})
        if (reopened or regressed) and workflow.get("Status") in _RESET_ON_REOPEN:
            data["Workflow"] = {"Status": "NEW"}
        stored.data = data

    # -- GetFindings --

    def get_findings(  # type: ignore[override]
        self,
        filters: dict[str, Any] | None = None,
        sort_criteria: list[dict[str, str]] | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        self._require_enabled()
        if max_results is not None and (
            not isinstance(max_results, int) or not 1 <= max_results <= MAX_GET_FINDINGS
        ):
            raise InvalidInputException(f"MaxResults must be between 1 and {MAX_GET_FINDINGS}")
        asff.validate_filters(filters)
        asff.validate_sort(sort_criteria)
        with service_token_errors(InvalidNextTokenException, next_token):
            page, token = self._findings_page(
                filters=filters,
                sort_criteria=sort_criteria,
                max_results=max_results,
                next_token=next_token,
            )
        return [copy.deepcopy(finding.data) for finding in page], token

    @paginate(pagination_model=PAGINATION_MODEL)
    def _findings_page(
        self, filters: dict[str, Any] | None, sort_criteria: list[dict[str, str]] | None
    ) -> list[StoredFinding]:
        now = datetime.now(UTC)
        selected = [
            finding
            for backend in self._visible_backends()
            for finding in backend.stored.values()
            if asff.matches(finding.data, filters, now)
        ]
        selected.sort(key=lambda finding: finding.sequence)
        for field, descending in reversed(asff.validate_sort(sort_criteria)):
            selected.sort(
                key=lambda finding: asff.sort_value(finding.data, field), reverse=descending
            )
        return selected

    # -- BatchUpdateFindings --

    def batch_update_findings(
        self, identifiers: list[dict[str, str]], updates: dict[str, Any]
    ) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
        self._require_enabled()
        if not isinstance(identifiers, list) or not 1 <= len(identifiers) <= MAX_BATCH:
            raise InvalidInputException(f"FindingIdentifiers must hold 1 to {MAX_BATCH} findings")
        if not updates:
            raise InvalidInputException("Give at least one field to update")
        _validate_updates(updates)
        processed: list[dict[str, str]] = []
        unprocessed: list[dict[str, Any]] = []
        for identifier in identifiers:
            key = (identifier.get("ProductArn"), identifier.get("Id"))
            stored = next(
                (
                    backend.stored[key]  # type: ignore[index]
                    for backend in self._visible_backends()
                    if key in backend.stored
                ),
                None,
            )
            if stored is None:
                unprocessed.append(
                    {
                        "FindingIdentifier": identifier,
                        "ErrorCode": "FindingNotFound",
                        "ErrorMessage": "Finding Not Found",
                    }
                )
                continue
            _apply_updates(stored, updates)
            processed.append({"Id": stored.id, "ProductArn": stored.product_arn})
        return processed, unprocessed


def _validate_updates(updates: dict[str, Any]) -> None:
    model = asff._model()
    enums = {
        ("Workflow", "Status"): model.shape_for("WorkflowStatus").enum,
        ("Severity", "Label"): model.shape_for("SeverityLabel").enum,
    }
    for (field, member), allowed in enums.items():
        value = (updates.get(field) or {}).get(member)
        if value is not None and value not in allowed:
            raise InvalidInputException(f"{field}.{member} must be one of {', '.join(allowed)}")
    verification = updates.get("VerificationState")
    if verification is not None and verification not in model.shape_for("VerificationState").enum:
        raise InvalidInputException(f"Invalid VerificationState: {verification}")
    for field in ("Confidence", "Criticality"):
        value = updates.get(field)
        if value is not None and not 0 <= value <= 100:
            raise InvalidInputException(f"{field} must be between 0 and 100")
    note = updates.get("Note")
    if note is not None and not (note.get("Text") and note.get("UpdatedBy")):
        raise InvalidInputException("Note needs Text and UpdatedBy")


def _apply_updates(stored: StoredFinding, updates: dict[str, Any]) -> None:
    data = stored.data
    for field, value in updates.items():
        if field == "Note":
            data["Note"] = {
                "Text": value["Text"],
                "UpdatedBy": value["UpdatedBy"],
                "UpdatedAt": asff.now_timestamp(),
            }
        elif field in ("Severity", "Workflow"):
            data[field] = {**(data.get(field) or {}), **value}
        else:
            data[field] = copy.deepcopy(value)
        if field in PROVIDER_FIELDS:
            stored.customer_set.add(field)

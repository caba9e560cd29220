"""AWS Security Finding Format (ASFF) rules, as pure functions over finding documents.

- :func:`format_error`: why a finding does not adhere to ASFF (BatchImportFindings reports it in
  ``FailedFindings`` with ``ErrorCode`` ``InvalidInput``), checked against botocore's
  ``AwsSecurityFinding`` shape: required members at every level, value types, enums, non-empty
  strings, ``SchemaVersion`` 2018-10-08, RFC 3339 timestamps and the 240 KB size limit.
- :func:`validate_filters` / :func:`matches`: GetFindings filters. String filters (every
  comparison but ``CONTAINS_WORD``, which AWS allows only in the V2 APIs) with AWS's combination
  rules, and date filters (``Start``/``End`` or ``DateRange`` in days) on the fields in
  :data:`STRING_FIELDS` and :data:`DATE_FIELDS`. Any other filter is refused with
  InvalidInputException rather than ignored, so a test never passes on a filter the local AWS
  does not apply.
- :func:`sort_key`: SortCriteria on the same fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import botocore.session
from botocore.model import Shape, StructureShape

from .exceptions import InvalidInputException

SCHEMA_VERSION = "2018-10-08"
MAX_FINDING_BYTES = 240 * 1024
MAX_FILTER_FIELDS = 10
MAX_FILTER_VALUES = 20
TIMESTAMP_FIELDS = ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt", "ProcessedAt")
_NON_EMPTY = r".*\S.*"


@cache
def _model() -> Any:
    return botocore.session.get_session().get_service_model("securityhub")


def parse_timestamp(value: Any) -> datetime | None:
    """An ASFF timestamp (RFC 3339 with a zone, e.g. 2024-01-02T03:04:05.678Z), or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def now_timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _shape_error(shape: Shape, value: Any, path: str) -> str | None:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        if not isinstance(value, dict):
            return f"{path} should be object"
        for name in shape.required_members:
            if value.get(name) is None:
                return f"{path} should have required property '{name}'"
        for name, member in shape.members.items():
            if value.get(name) is not None:
                error = _shape_error(member, value[name], f"{path}.{name}")
                if error:
                    return error
        return None
    if kind == "list":
        if not isinstance(value, list):
            return f"{path} should be array"
        limit = shape.metadata.get("max")
        if limit is not None and len(value) > limit:
            return f"{path} should NOT have more than {limit} items"
        for index, item in enumerate(value):
            error = _shape_error(shape.member, item, f"{path}[{index}]")  # type: ignore[attr-defined]
            if error:
                return error
        return None
    if kind == "map":
        if not isinstance(value, dict):
            return f"{path} should be object"
        for key, item in value.items():
            error = _shape_error(shape.value, item, f"{path}['{key}']")  # type: ignore[attr-defined]
            if error:
                return error
        return None
    if kind == "string":
        if not isinstance(value, str):
            return f"{path} should be string"
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            return f"{path} should be equal to one of the allowed values: {', '.join(enum)}"
        if shape.metadata.get("pattern") == _NON_EMPTY and not value.strip():
            return f'{path} should match pattern "{_NON_EMPTY}"'
        return None
    if kind in ("integer", "long", "double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{path} should be number"
        return None
    if kind == "boolean" and not isinstance(value, bool):
        return f"{path} should be boolean"
    return None


def format_error(finding: Any) -> str | None:
    """Why ``finding`` is not a valid ASFF finding, or None when it is."""
    error = _shape_error(_model().shape_for("AwsSecurityFinding"), finding, "data")
    if error is None:
        if finding["SchemaVersion"] != SCHEMA_VERSION:
            error = f"data.SchemaVersion should be equal to '{SCHEMA_VERSION}'"
        elif not finding["Resources"]:
            error = "data.Resources should NOT have fewer than 1 items"
        else:
            for name in TIMESTAMP_FIELDS:
                if name in finding and parse_timestamp(finding[name]) is None:
                    error = f'data.{name} should match format "date-time"'
                    break
    if error is None and len(json.dumps(finding).encode()) > MAX_FINDING_BYTES:
        error = f"data should not be larger than {MAX_FINDING_BYTES} bytes"
    return None if error is None else f"Finding does not adhere to Amazon Finding Format. {error}."


# -- GetFindings filters --------------------------------------------------------------------------

Accessor = Callable[[dict[str, Any]], list[Any]]


def _path(*keys: str) -> Accessor:
    def values(finding: dict[str, Any]) -> list[Any]:
        value: Any = finding
        for key in keys:
            if not isinstance(value, dict):
                return []
            value = value.get(key)
        return [] if value is None else [value]

    return values


def _each(list_key: str, *keys: str) -> Accessor:
    inner = _path(*keys)

    def values(finding: dict[str, Any]) -> list[Any]:
        items = finding.get(list_key) or []
        return [value for item in items for value in (inner(item) if keys else [item])]

    return values


STRING_FIELDS: dict[str, Accessor] = {
    **{
        name: _path(name)
        for name in (
            "Id",
            "ProductArn",
            "AwsAccountId",
            "AwsAccountName",
            "GeneratorId",
            "Region",
            "Title",
            "Description",
            "ProductName",
            "CompanyName",
            "RecordState",
            "VerificationState",
            "SourceUrl",
        )
    },
    "Type": _each("Types"),
    "WorkflowStatus": _path("Workflow", "Status"),
    "ComplianceStatus": _path("Compliance", "Status"),
    "ComplianceSecurityControlId": _path("Compliance", "SecurityControlId"),
    "SeverityLabel": _path("Severity", "Label"),
    "RecommendationText": _path("Remediation", "Recommendation", "Text"),
    "ResourceType": _each("Resources", "Type"),
    "ResourceId": _each("Resources", "Id"),
    "ResourceRegion": _each("Resources", "Region"),
    "ResourcePartition": _each("Resources", "Partition"),
}
DATE_FIELDS: dict[str, Accessor] = {
    name: _path(name) for name in ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt")
}
_POSITIVE = {"EQUALS", "PREFIX", "CONTAINS"}
_NEGATIVE = {"NOT_EQUALS", "PREFIX_NOT_EQUALS", "NOT_CONTAINS"}
_COMPARE: dict[str, Callable[[str, str], bool]] = {
    "EQUALS": lambda actual, wanted: actual == wanted,
    "PREFIX": lambda actual, wanted: actual.startswith(wanted),
    "CONTAINS": lambda actual, wanted: wanted in actual,
    "NOT_EQUALS": lambda actual, wanted: actual == wanted,
    "PREFIX_NOT_EQUALS": lambda actual, wanted: actual.startswith(wanted),
    "NOT_CONTAINS": lambda actual, wanted: wanted in actual,
}


def validate_filters(filters: Any) -> None:
    """Raise InvalidInputException for filters AWS refuses or this server does not apply."""
    if filters is None:
        return
    if not isinstance(filters, dict):
        raise InvalidInputException("Filters must be an object")
    if len(filters) > MAX_FILTER_FIELDS:
        raise InvalidInputException(f"You can filter by up to {MAX_FILTER_FIELDS} attributes")
    for name, entries in filters.items():
        if name not in STRING_FIELDS and name not in DATE_FIELDS:
            raise InvalidInputException(
                f"The local AWS does not apply the GetFindings filter {name} (supported: "
                f"{', '.join(sorted([*STRING_FIELDS, *DATE_FIELDS]))})"
            )
        if not isinstance(entries, list) or len(entries) > MAX_FILTER_VALUES:
            raise InvalidInputException(
                f"Filter {name} takes a list of up to {MAX_FILTER_VALUES} values"
            )
        if name in DATE_FIELDS:
            for entry in entries:
                _validate_date_filter(name, entry)
            continue
        comparisons = set()
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("Value"), str):
                raise InvalidInputException(f"Filter {name} needs Value and Comparison")
            comparison = entry.get("Comparison")
            if comparison not in _COMPARE:
                raise InvalidInputException(
                    f"Comparison {comparison} is not valid for GetFindings (CONTAINS_WORD is "
                    "only for the V2 APIs)"
                )
            comparisons.add(comparison)
        _validate_combination(name, comparisons)


def _validate_combination(name: str, comparisons: set[str]) -> None:
    if "CONTAINS" in comparisons and comparisons != {"CONTAINS"}:
        raise InvalidInputException(f"CONTAINS filters on {name} combine only with CONTAINS")
    if "NOT_CONTAINS" in comparisons and comparisons != {"NOT_CONTAINS"}:
        raise InvalidInputException(
            f"NOT_CONTAINS filters on {name} combine only with NOT_CONTAINS"
        )
    if "EQUALS" in comparisons and comparisons & {"NOT_EQUALS", "PREFIX_NOT_EQUALS"}:
        raise InvalidInputException(
            f"EQUALS and NOT_EQUALS/PREFIX_NOT_EQUALS filters cannot be combined on {name}"
        )


def _validate_date_filter(name: str, entry: Any) -> None:
    if not isinstance(entry, dict):
        raise InvalidInputException(f"Filter {name} takes Start/End or DateRange")
    if "DateRange" in entry:
        date_range = entry["DateRange"]
        if (
            not isinstance(date_range, dict)
            or date_range.get("Unit") != "DAYS"
            or not isinstance(date_range.get("Value"), int)
        ):
            raise InvalidInputException(f"Filter {name}.DateRange takes Value and Unit DAYS")
        return
    for bound in ("Start", "End"):
        if bound in entry and parse_timestamp(entry[bound]) is None:
            raise InvalidInputException(f"Filter {name}.{bound} is not a valid timestamp")
    if "Start" not in entry and "End" not in entry:
        raise InvalidInputException(f"Filter {name} takes Start/End or DateRange")


def _string_matches(values: list[Any], entries: list[dict[str, str]]) -> bool:
    strings = [value for value in values if isinstance(value, str)]
    positive = [e for e in entries if e["Comparison"] in _POSITIVE]
    negative = [e for e in entries if e["Comparison"] in _NEGATIVE]
    if positive and not any(
        _COMPARE[e["Comparison"]](value, e["Value"]) for e in positive for value in strings
    ):
        return False
    return not any(
        _COMPARE[e["Comparison"]](value, e["Value"]) for e in negative for value in strings
    )


def _date_matches(values: list[Any], entries: list[dict[str, Any]], now: datetime) -> bool:
    moments = [moment for moment in map(parse_timestamp, values) if moment is not None]

    def within(entry: dict[str, Any], moment: datetime) -> bool:
        if "DateRange" in entry:
            return moment >= now - timedelta(days=entry["DateRange"]["Value"])
        start, end = parse_timestamp(entry.get("Start")), parse_timestamp(entry.get("End"))
        return (start is None or moment >= start) and (end is None or moment <= end)

    return all(any(within(entry, moment) for moment in moments) for entry in entries)


def matches(finding: dict[str, Any], filters: dict[str, Any] | None, now: datetime) -> bool:
    """Whether ``finding`` passes validated ``filters`` (fields ANDed, see the module doc)."""
    for name, entries in (filters or {}).items():
        if not entries:
            continue
        if name in DATE_FIELDS:
            if not _date_matches(DATE_FIELDS[name](finding), entries, now):
                return False
        elif not _string_matches(STRING_FIELDS[name](finding), entries):
            return False
    return True


def validate_sort(sort_criteria: Any) -> list[tuple[str, bool]]:
    """SortCriteria as (field, descending) pairs."""
    criteria = []
    for criterion in sort_criteria or []:
        field = criterion.get("Field") if isinstance(criterion, dict) else None
        order = (criterion.get("SortOrder") or "asc") if isinstance(criterion, dict) else None
        if field not in STRING_FIELDS and field not in DATE_FIELDS:
            raise InvalidInputException(f"The local AWS cannot sort findings by {field}")
        if order not in ("asc", "desc"):
            raise InvalidInputException("SortOrder must be asc or desc")
        criteria.append((field, order == "desc"))
    return criteria


def sort_value(finding: dict[str, Any], field: str) -> str:
    values = (STRING_FIELDS.get(field) or DATE_FIELDS[field])(finding)
    if field in DATE_FIELDS:
        moment = parse_timestamp(values[0]) if values else None
        return moment.astimezone(UTC).isoformat() if moment else ""
    return str(values[0]) if values else ""

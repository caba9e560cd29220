"""``signed-lambda report merge``: the JSON reports of several runs (the shards of a CI matrix)
as one report, in (account, Region) order as one organization run orders it.

Two reports that both cover the same account-region are refused: their findings would be
counted twice (shards of one matrix never overlap; a report merged twice does). A finding
without an account (a single-account run's Region without functions) is about the report's own
account (the one it records, else the only one its findings name); a report whose account
cannot be told is refused beside another report of the same Region.

The merged findings are one run's: the run-wide rule a shard leaves to the merge (no function
in any account-region is an error, :func:`~verifier.checks.judge.nothing_found_anywhere`) is
applied over the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from verifier.checks.findings import Finding, Report
from verifier.checks.judge import nothing_found_anywhere
from verifier.contract.reader import read_json
from verifier.errors import InputError
from verifier.report import json_report


def read_report(path: Path) -> Report:
    document = read_json(path, "report", max_bytes=json_report.MAX_REPORT_BYTES)
    return json_report.parse(document, str(path))


def _own_account(report: Report) -> str | None:
    """The account a report's findings without one are about: the one the report records, else
    the only account its findings name."""
    named = {finding.account for finding in report.findings if finding.account}
    return report.account or (named.pop() if len(named) == 1 else None)


def _untold(unnamed: str, other: str, region: str) -> str:
    return (
        f"{unnamed} and {other}: cannot tell whether they cover the same account in "
        f"{region or 'a Region'} ({unnamed} names no account there)"
    )


def merge(reports: Sequence[tuple[str, Report]]) -> Report:
    """One report of ``(origin, report)`` pairs (see the module docstring)."""
    if not reports:
        raise InputError("report merge: no reports given", "pass the JSON reports to merge")
    covered: dict[tuple[str, str], str] = {}
    blocks: dict[tuple[str, str], list[Finding]] = {}
    for origin, report in reports:
        own = _own_account(report)
        mine: set[tuple[str, str]] = set()
        for finding in report.findings:
            key = (finding.account or own or "", finding.region or "")
            mine.add(key)
            blocks.setdefault(key, []).append(finding)
        for key in sorted(mine):
            if key in covered:
                raise InputError(
                    f"{origin} and {covered[key]} both cover account {key[0]} in {key[1]}"
                    if key[0]
                    else _untold(covered[key], origin, key[1]),
                    "merge the reports of disjoint shards (--shard K/N), each once",
                )
            covered[key] = origin
    # A report that names no account for a Region cannot be told apart from another of it.
    unknown = {region: origin for (account, region), origin in covered.items() if not account}
    for (_, region), origin in sorted(covered.items()):
        if region in unknown and unknown[region] != origin:
            raise InputError(
                _untold(unknown[region], origin, region),
                "audit with this version (its report records the account), or merge only "
                "reports that name their accounts",
            )
    sources = list(dict.fromkeys(report.source for _, report in reports))
    findings, notes = nothing_found_anywhere(
        [finding for key in sorted(blocks) for finding in blocks[key]],
        [note for _, report in reports for note in report.notes],
    )
    accounts = {report.account for _, report in reports}
    return Report(
        findings=tuple(findings),
        source="; ".join(sources),
        notes=tuple(sorted(notes)),
        account=accounts.pop() if len(accounts) == 1 else None,
    )

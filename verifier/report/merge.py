"""``signed-lambda report merge``: the JSON reports of several runs (the shards of a CI matrix)
as one report, in (account, Region) order as one organization run orders it.

Two reports that both cover the same account-region are refused: their findings would be
counted twice (shards of one matrix never overlap; a report merged twice does).

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


def merge(reports: Sequence[tuple[str, Report]]) -> Report:
    """One report of ``(origin, report)`` pairs (see the module docstring)."""
    if not reports:
        raise InputError("report merge: no reports given", "pass the JSON reports to merge")
    covered: dict[tuple[str, str], str] = {}
    blocks: dict[tuple[str, str], list[Finding]] = {}
    for origin, report in reports:
        mine: set[tuple[str, str]] = set()
        for finding in report.findings:
            key = (finding.account or "", finding.region or "")
            if finding.account is not None:
                mine.add(key)
            blocks.setdefault(key, []).append(finding)
        for key in sorted(mine):
            if key in covered:
                raise InputError(
                    f"{origin} and {covered[key]} both cover account {key[0]} in {key[1]}",
                    "merge the reports of disjoint shards (--shard K/N), each once",
                )
            covered[key] = origin
    sources = list(dict.fromkeys(report.source for _, report in reports))
    findings, notes = nothing_found_anywhere(
        [finding for key in sorted(blocks) for finding in blocks[key]],
        [note for _, report in reports for note in report.notes],
    )
    return Report(findings=tuple(findings), source="; ".join(sources), notes=tuple(sorted(notes)))

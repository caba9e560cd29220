"""``signed-lambda report merge FILE...``: JSON reports -> one report in any format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from verifier.api import exit_code_for, stderr
from verifier.checks.findings import Status
from verifier.commands.options import (
    ReportFormat,
    ReportOutput,
    SarifOutput,
    SecurityHubRegion,
    Verbose,
    check_report_paths,
)
from verifier.commands.verify import emit
from verifier.errors import VerifierError
from verifier.report import Format, RenderOptions
from verifier.report.merge import merge, read_report

report_app = typer.Typer(
    name="report",
    help="Work with saved reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


@report_app.command("merge")
def merge_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="JSON reports (--format json) to combine, e.g. the shards of a CI matrix.",
            show_default=False,
        ),
    ],
    fmt: ReportFormat = Format.TEXT,
    output: ReportOutput = None,
    sarif_output: SarifOutput = None,
    security_hub_region: SecurityHubRegion = None,
    verbose: Verbose = False,
) -> None:
    """Combine JSON reports into one report in any format; the exit code is the combined one.

    Reports that cover the same account and Region twice are refused. The findings come in account, then Region order, as one organization run gives them.
    """  # noqa: E501  (one line per paragraph: the help renderer keeps line breaks)
    try:
        check_report_paths(output, sarif_output)
        merged = merge([(str(path), read_report(path)) for path in files])
        options = RenderOptions(verbose=verbose, security_hub_region=security_hub_region)
        emit(merged, fmt, output=output, sarif_output=sarif_output, options=options)
    except VerifierError as error:
        stderr(f"error: {error.diagnostics()}")
        raise typer.Exit(int(error.exit_code)) from None
    counts = ", ".join(f"{merged.count(s)} {s.value}" for s in Status)
    accounts = len({f.account for f in merged.findings if f.account})
    stderr(
        f"signed-lambda report merge: {merged.result.value.upper()}: {len(files)} report(s), "
        f"{accounts} account(s), {len(merged.findings)} checks: {counts}"
    )
    raise typer.Exit(int(exit_code_for(merged)))

"""Options that several subcommands share, declared once (same flag, same help everywhere)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from verifier.report import Format, check_writable

LockFile = Annotated[
    Path,
    typer.Option("--lock", help="The reviewed trust anchor (written by `signed-lambda lock`)."),
]
NoLock = Annotated[
    bool,
    typer.Option(
        "--no-lock",
        help="Trust the stack outputs alone (reported as a warning: state is not a trust root).",
    ),
]
Source = Annotated[
    Path | None,
    typer.Option(
        "--source",
        help="A checkout to rebuild each package from: proves this source is what was signed.",
        show_default=False,
    ),
]
AwsProfile = Annotated[
    str | None,
    typer.Option("--profile", help="AWS profile (default: AWS_PROFILE).", show_default=False),
]
ReportFormat = Annotated[
    Format, typer.Option("--format", case_sensitive=False, help="Report format.")
]
ReportOutput = Annotated[
    Path | None,
    typer.Option(
        "--output",
        help="Write the report to this file (atomically) instead of stdout.",
        show_default=False,
    ),
]
SarifOutput = Annotated[
    Path | None,
    typer.Option(
        "--sarif-output",
        help="Also write a SARIF report of the same run here (for code scanning).",
        show_default=False,
    ),
]
Verbose = Annotated[
    bool,
    typer.Option("--verbose", "-v", help="Text report: list every check, passes included."),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="The stack's config file, for SARIF locations (default: SIGNED_LAMBDA_CONFIG, else "
        "signed-lambda.json in --source or the working directory, when it exists).",
        show_default=False,
    ),
]
SecurityHubRegion = Annotated[
    str | None,
    typer.Option(
        "--security-hub-region",
        metavar="REGION",
        help="The Security Hub Region: where --security-hub imports, and the Region of the ASFF "
        "product ARN (default: the first --region, else AWS_REGION).",
        show_default=False,
    ),
]
ExpiryWarningDays = Annotated[
    int, typer.Option(min=0, help="Warn when a signature expires within this many days.")
]


def check_report_paths(output: Path | None, sarif_output: Path | None) -> None:
    """Fail before any AWS call when a report could not be written (InputError, exit 2)."""
    for path, flag in ((output, "--output"), (sarif_output, "--sarif-output")):
        if path is not None:
            check_writable(path, flag)

"""The ``signed-lambda`` typer app (alias ``signed-lambda-verify``): wiring only.

Usage errors (unknown option, missing value) are printed as one line on stderr with exit 2,
like every other input error; ``pretty_exceptions_show_locals`` stays off so credentials never
reach a log.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from verifier.commands.audit import audit_command
from verifier.commands.drift import drift_command
from verifier.commands.lock import lock_command
from verifier.commands.verify import verify_command
from verifier.exitcodes import EPILOG, ExitCode


class OneLineErrorGroup(TyperGroup):
    """Click's usage errors as a single ``error: ...`` line (no box, no usage dump)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(
                args=args,
                prog_name=prog_name,
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            code = result if isinstance(result, int) else 0
        except typer.Abort:
            print("error: aborted", file=sys.stderr)
            code = int(ExitCode.USAGE)
        except typer.TyperException as error:
            format_message = getattr(error, "format_message", None)
            message = format_message() if callable(format_message) else str(error)
            if type(error).__name__ == "NoArgsIsHelpError":
                print(message, file=sys.stderr)  # the help text itself
            else:
                print(f"error: {' '.join(message.split())}", file=sys.stderr)
            code = int(getattr(error, "exit_code", ExitCode.USAGE))
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    name="signed-lambda",
    cls=OneLineErrorGroup,
    help="Verify that AWS-Signer-signed Lambda functions run exactly the signed code.",
    epilog=EPILOG,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """Verify that AWS-Signer-signed Lambda functions run exactly the signed code."""


app.command("verify", epilog=EPILOG)(verify_command)
app.command("lock", epilog=EPILOG)(lock_command)
app.command("drift", epilog=EPILOG)(drift_command)
app.command("audit", epilog=EPILOG)(audit_command)


def main() -> None:
    app()

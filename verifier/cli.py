"""The ``signed-lambda`` typer app (alias ``signed-lambda-verify``): wiring only.

Usage errors (unknown option, missing value) are printed as one line on stderr with exit 2,
like every other input error; ``pretty_exceptions_show_locals`` stays off so credentials never
reach a log.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from verifier import __version__
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


#: Each command's module and function (and the ``report`` group's app), imported only when the
#: command runs or the whole app is built: a ``verify`` run does not import the audit's,
#: guardrails' or repair's modules, nor make typer build their options.
COMMANDS = {
    "verify": "verifier.commands.verify:verify_command",
    "lock": "verifier.commands.lock:lock_command",
    "drift": "verifier.commands.drift:drift_command",
    "audit": "verifier.commands.audit:audit_command",
    "repair": "verifier.commands.repair:repair_command",
    "guardrails": "verifier.commands.guardrails:guardrails_command",
}
GROUPS = {"report": "verifier.commands.report:report_app"}


def _version(value: bool) -> None:
    if value:
        print(f"signed-lambda {__version__}")
        raise typer.Exit(0)


def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """Verify that AWS-Signer-signed Lambda functions run exactly the signed code."""


def _load(reference: str) -> Any:
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


def build_app(only: str | None = None) -> typer.Typer:
    """The ``signed-lambda`` app: every command, or ``only`` that one (its own run)."""
    built = typer.Typer(
        name="signed-lambda",
        cls=OneLineErrorGroup,
        help="Verify that AWS-Signer-signed Lambda functions run exactly the signed code.",
        epilog=EPILOG,
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        rich_markup_mode=None,
    )
    built.callback()(_root)
    for name, reference in COMMANDS.items():
        if only in (None, name):
            built.command(name, epilog=EPILOG)(_load(reference))
    for name, reference in GROUPS.items():
        if only in (None, name):
            built.add_typer(_load(reference), name=name, epilog=EPILOG)
    return built


def __getattr__(name: str) -> Any:
    """``app``, the whole app (the tests' CliRunner and the docs), built on first use."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    built = globals()["app"] = build_app()
    return built


def main() -> None:
    """The console scripts' entry point, and ``python -m verifier``.

    A command is one short process, so two costs that only long-lived processes need are cut
    (each measured on a `verify` run of about 0.8 s):

    - the garbage collector is off: its passes over botocore's service models took ~60 ms. It
      only frees reference cycles; the fleet audit, which can hold 10,000 functions, turns it
      back on;
    - the interpreter's teardown (freeing every module and model object, ~150-200 ms) is
      skipped: once the command has returned and its output is flushed, the process ends with
      ``os._exit``, as mypy ends its runs (mypy.util.hard_exit). Files the commands write are
      closed before they return. An unexpected exception still ends the normal way.

    The library API and the tests (typer's CliRunner) never come through here.
    """
    gc.disable()
    first = sys.argv[1] if len(sys.argv) > 1 else None
    # A command's own run builds only that command; --help, --version and typos get them all.
    application = build_app(first if first in COMMANDS or first in GROUPS else None)
    try:
        application()
        code: int | str | None = 0
    except SystemExit as done:
        code = done.code
    if isinstance(code, str):  # sys.exit("message"): print it, exit 1, as Python does
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: nothing more can be said
        code = code or 1
    os._exit(code or 0)

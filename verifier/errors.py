"""The verifier's errors: each says what happened and what to do, and carries its exit code.

Only the CLI entry (``verifier.commands.verify``) catches :class:`VerifierError` and turns it
into a one-line message on stderr and an exit code; nothing else swallows it.
"""

from __future__ import annotations

from verifier.exitcodes import ExitCode


class VerifierError(Exception):
    """Base error. ``diagnostics()`` is the single line printed on stderr."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, what: str, todo: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.todo = todo

    def diagnostics(self) -> str:
        """What happened and, when known, what to do, on one line."""
        line = self.what if self.todo is None else f"{self.what}; {self.todo}"
        return " ".join(line.split())


class InputError(VerifierError):
    """A bad flag, a missing or malformed input file or key (exit 2)."""

    exit_code = ExitCode.USAGE


class CollectionError(VerifierError):
    """Evidence could not be collected at all: credentials, network, endpoint (exit 3)."""

    exit_code = ExitCode.COLLECTION

"""Errors the drift command turns into exit codes (the verifier's meanings)."""

from __future__ import annotations

EXIT_CLEAN = 0
EXIT_DRIFT = 1
EXIT_USAGE = 2
EXIT_COLLECTION = 3


class DriftError(Exception):
    exit_code = EXIT_COLLECTION

    def __init__(self, what: str, todo: str) -> None:
        super().__init__(what)
        self.what = what
        self.todo = todo

    def diagnostics(self) -> str:
        return f"error: {self.what}; {self.todo}"


class InputError(DriftError):
    """Usage or input error (exit 2)."""

    exit_code = EXIT_USAGE


class CollectionError(DriftError):
    """Evidence could not be collected (exit 3)."""

    exit_code = EXIT_COLLECTION

"""Errors that stop a run; only :func:`conformance.cli.main` turns them into exit codes."""

from __future__ import annotations

from collections.abc import Mapping


class ConformanceError(Exception):
    """A run-stopping problem; ``str()`` is one line for the user."""

    exit_code = 3


class UsageError(ConformanceError):
    """Opt-in, region or credentials missing: nothing was created."""

    exit_code = 2


class AwsRunError(ConformanceError):
    """An AWS call failed (or a wait ran out) while the recipe was running."""

    exit_code = 3


def one_line(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        details = response.get("Error") or {}
        code = details.get("Code", type(error).__name__)
        message = details.get("Message", "")
        operation = getattr(error, "operation_name", "")
        return f"{operation} {code}: {message}".strip().replace("\n", " ")
    return f"{type(error).__name__}: {error}".replace("\n", " ")

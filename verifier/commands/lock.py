"""``signed-lambda lock``: write the trust anchor from a deployed stack's outputs.

Run after ``cdktf deploy`` (``make deploy`` does, and ``make lock``). It pins what the deploy
produced; the point is that the file is committed and reviewed, so a change of trust (a new
profile version, another CSC, a weaker policy) is a visible diff, and ``verify``/``drift`` hold
later state to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from verifier.api import stderr
from verifier.atomic import write_atomically
from verifier.contract import lock as lock_module
from verifier.contract.lock import LOCK_FILE_NAME, StackLock
from verifier.contract.targets import load_outputs
from verifier.errors import VerifierError
from verifier.exitcodes import ExitCode


def describe_change(before: StackLock | None, after: StackLock) -> list[str]:
    """What changed in one stack's entry, one line per field (a declaration: per function or
    layer and field, names only, never an environment value), for review."""
    if before is None:
        return [f"{after.stack}: new entry"]
    lines = []
    old, new = before.to_json(), after.to_json()
    for key in new:
        if key in ("bucket", "functions", "layers"):
            continue
        if old.get(key) != new[key]:
            lines.append(f"{after.stack}.{key}: {old.get(key)} -> {new[key]}")
    if after.declarations is None or after.declarations == before.declarations:
        return lines
    if before.declarations is None:
        functions = ", ".join(entry.key for entry in after.declarations.functions)
        layers = ", ".join(entry.key for entry in after.declarations.layers) or "none"
        lines.append(
            f"{after.stack}: now pins each declaration (functions {functions}; layers {layers}): "
            "review them in the diff"
        )
        return lines
    lines.extend(
        f"{after.stack}.{line}"
        for line in lock_module.declaration_differences(after.declarations, before.declarations)
    )
    return lines


def agrees(pinned: StackLock, deployed: StackLock) -> bool:
    """The lock already trusts what is deployed (it may pin more versions: a rotation), and
    pins the same declarations (a lock that predates them agrees: lock.anchor warns)."""
    if pinned.declarations is not None and pinned.declarations != deployed.declarations:
        return False
    return set(deployed.signing_profile_version_arns) <= set(
        pinned.signing_profile_version_arns
    ) and (
        pinned.account_id,
        pinned.region,
        pinned.signing_profile_name,
        pinned.code_signing_config_arn,
        pinned.policy,
    ) == (
        deployed.account_id,
        deployed.region,
        deployed.signing_profile_name,
        deployed.code_signing_config_arn,
        deployed.policy,
    )


def lock_command(
    outputs: Annotated[
        Path,
        typer.Option(help="The JSON file written by `cdktf deploy --outputs-file`."),
    ] = Path("cdktf-outputs.json"),
    stack: Annotated[
        str | None,
        typer.Option(
            help="Stack in the outputs file (needed when it has several).", show_default=False
        ),
    ] = None,
    lock: Annotated[Path, typer.Option(help="The lock file to write.")] = Path(LOCK_FILE_NAME),
    keep_previous: Annotated[
        bool,
        typer.Option(
            "--keep-previous",
            help="Keep trusting the profile versions already pinned (a rotation window: old "
            "versions still run while the new profile takes over).",
        ),
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; exit 1 unless the lock already trusts what the outputs name.",
        ),
    ] = False,
) -> None:
    """Pin the deployed stack's account, region, signing profile versions, CSC, policy and each function's and layer's declaration in the lock file (review and commit it)."""  # noqa: E501
    try:
        selection = load_outputs(outputs, stack=stack, region_flag=None)
        existing = lock_module.load(lock) if lock.exists() else None
        before = existing.stack(selection.stack) if existing else None
        keep = before.signing_profile_version_arns if (before and keep_previous) else ()
        after = lock_module.entry_from_manifest(selection.stack, selection.manifest, keep=keep)
        others = tuple(e for e in (existing.stacks if existing else ()) if e.stack != after.stack)
        changes = describe_change(before, after) if before != after else []
        if check:
            if before is None or not agrees(before, after):
                for line in changes:
                    stderr(f"lock: {line}")
                stderr(f"lock: {lock} does not match {outputs}; run `make lock` and review")
                raise typer.Exit(int(ExitCode.FAILED))
            if before.declarations is None:
                stderr(
                    f"lock: warning: {lock} predates pinned declarations (handler, runtime, "
                    "environment, ...): run `make lock`, review the diff and commit it"
                )
            stderr(f"lock: {lock} matches {outputs}")
            raise typer.Exit(int(ExitCode.OK))
        for line in changes:
            stderr(f"lock: {line}")
        if not changes:
            stderr(f"lock: {lock} is up to date")
            raise typer.Exit(int(ExitCode.OK))
        write_atomically(lock, lock_module.render((*others, after)))
        stderr(f"lock: wrote {lock}; review the change and commit it")
    except VerifierError as error:
        stderr(f"error: {error.diagnostics()}")
        raise typer.Exit(int(error.exit_code)) from None
    except OSError as error:
        stderr(f"error: {lock}: cannot write the lock file: {error.strerror}")
        raise typer.Exit(int(ExitCode.USAGE)) from None
    raise typer.Exit(int(ExitCode.OK))

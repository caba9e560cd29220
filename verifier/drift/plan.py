"""Run ``terraform plan`` on a synthesized stack and read what drifted from its JSON."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.errors import CollectionError, InputError

#: ``terraform plan -detailed-exitcode``: 0 no changes, 1 error, 2 changes present.
PLAN_CLEAN, PLAN_ERROR, PLAN_CHANGES = 0, 1, 2


@dataclass(frozen=True)
class ResourceChange:
    address: str
    action: str  # update, replace, create, delete
    attributes: tuple[str, ...]


@dataclass(frozen=True)
class PlanResult:
    stack: str
    changes: tuple[ResourceChange, ...]
    #: Changes Terraform noticed while refreshing (made outside Terraform), even when the
    #: configuration does not ask to undo them.
    outside_changes: tuple[ResourceChange, ...]
    plan_json: dict[str, Any]

    @property
    def drifted(self) -> bool:
        return bool(self.changes)


def _action(actions: list[str]) -> str:
    if sorted(actions) == ["create", "delete"]:
        return "replace"
    return ", ".join(actions)


#: Deprecated attributes the provider computes as mirrors of standalone resources (which the
#: stack manages, and whose own changes are reported). On refresh they fill in, which is noise.
_MIRRORED_ATTRIBUTES = {
    "aws_s3_bucket": {
        "acl",
        "grant",
        "policy",
        "versioning",
        "server_side_encryption_configuration",
        "lifecycle_rule",
        "logging",
        "cors_rule",
        "website",
        "replication_configuration",
        "object_lock_configuration",
    },
    "aws_iam_role": {"inline_policy", "managed_policy_arns"},
}


def _normalized(value: Any) -> Any:
    """Empty values compare equal: the provider stores null, [] and {} interchangeably."""
    if isinstance(value, dict):
        items = {k: _normalized(v) for k, v in value.items()}
        return {k: v for k, v in items.items() if v is not None} or None
    if isinstance(value, list):
        return [_normalized(v) for v in value] or None
    return None if value == "" else value


def _changed_attributes(change: dict[str, Any], ignored: set[str]) -> tuple[str, ...]:
    before = change.get("before") or {}
    after = change.get("after") or {}
    unknown = change.get("after_unknown") or {}
    if not before or not after:
        return ()
    names = {
        k
        for k in set(before) | set(after)
        if _normalized(before.get(k)) != _normalized(after.get(k))
    }
    # A value only known after apply is a change only when it was known before.
    names |= {k for k, v in unknown.items() if v is True and before.get(k) is not None}
    return tuple(sorted(names - ignored - {"tags_all"}))


def _changes(entries: list[dict[str, Any]], *, refresh_only: bool) -> tuple[ResourceChange, ...]:
    found = []
    for entry in entries:
        actions = entry["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        ignored = _MIRRORED_ATTRIBUTES.get(entry.get("type", ""), set()) if refresh_only else set()
        attributes = _changed_attributes(entry["change"], ignored)
        # A refresh that only filled in empty or mirrored values is not a change.
        if refresh_only and not attributes:
            continue
        found.append(ResourceChange(entry["address"], _action(actions), attributes))
    return tuple(sorted(found, key=lambda c: c.address))


def parse_plan(stack: str, plan_json: dict[str, Any]) -> PlanResult:
    return PlanResult(
        stack=stack,
        changes=_changes(plan_json.get("resource_changes", []), refresh_only=False),
        outside_changes=_changes(plan_json.get("resource_drift", []), refresh_only=True),
        plan_json=plan_json,
    )


def run_terraform(
    stack_dir: Path, *args: str, env: dict[str, str], timeout: int
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["terraform", f"-chdir={stack_dir}", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise InputError(
            "terraform is not on PATH", "install Terraform >= 1.10 and run again"
        ) from None
    except subprocess.TimeoutExpired:
        raise CollectionError(
            f"terraform {args[0]} in {stack_dir} timed out after {timeout}s",
            "check connectivity to AWS and run again",
        ) from None


def last_error_line(stderr: str) -> str:
    lines = [line.strip(" │╷╵") for line in stderr.splitlines()]
    errors = [line for line in lines if line.startswith("Error:")]
    return (errors[0] if errors else (lines[-1] if lines else "no output")).strip()


def _init_hint(stderr: str, env: dict[str, str]) -> str:
    """Name the likely cause: a provider that could not be installed, or the backend."""
    if "provider" in stderr.lower() and ("registry" in stderr or "query available" in stderr):
        if env.get("TF_CLI_CONFIG_FILE"):
            return (
                f"the AWS provider could not be installed with the CLI config "
                f"{env['TF_CLI_CONFIG_FILE']}; check its mirror path, or the network"
            )
        return (
            "the AWS provider could not be downloaded: check the network, or set "
            "TF_PLUGIN_MIRROR to a filesystem mirror of hashicorp/aws"
        )
    return "check the backend configuration and credentials"


def plan_stack(stack_dir: Path, env: dict[str, str], timeout: int = 900) -> PlanResult:
    """Init (idempotent), refresh-and-plan without applying or prompting, then read the JSON."""
    if not (stack_dir / "cdk.tf.json").is_file():
        raise InputError(
            f"{stack_dir} has no cdk.tf.json", "run `make synth` (or `cdktf synth`) first"
        )
    init = run_terraform(stack_dir, "init", "-input=false", "-no-color", env=env, timeout=timeout)
    if init.returncode != 0:
        raise CollectionError(
            f"terraform init failed in {stack_dir}: {last_error_line(init.stderr)}",
            _init_hint(init.stderr, env),
        )
    plan = run_terraform(
        stack_dir,
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        "-lock=false",
        "-out=drift.tfplan",
        env=env,
        timeout=timeout,
    )
    if plan.returncode not in (PLAN_CLEAN, PLAN_CHANGES):
        raise CollectionError(
            f"terraform plan failed in {stack_dir}: {last_error_line(plan.stderr)}",
            "check credentials, region and network access to AWS",
        )
    shown = run_terraform(stack_dir, "show", "-json", "drift.tfplan", env=env, timeout=timeout)
    if shown.returncode != 0:
        raise CollectionError(
            f"terraform show failed in {stack_dir}: {last_error_line(shown.stderr)}",
            "run `terraform show -json drift.tfplan` there to see why",
        )
    result = parse_plan(stack_dir.name, json.loads(shown.stdout))
    if result.drifted != (plan.returncode == PLAN_CHANGES):
        raise CollectionError(
            f"terraform plan's exit code ({plan.returncode}) disagrees with its JSON",
            "report this with the plan JSON attached",
        )
    return result


def stack_outputs(stack_dir: Path, env: dict[str, str], timeout: int = 300) -> dict[str, Any]:
    """The stack's outputs from its (possibly remote) state, as ``{name: value}``."""
    shown = run_terraform(stack_dir, "output", "-json", "-no-color", env=env, timeout=timeout)
    if shown.returncode != 0:
        raise CollectionError(
            f"terraform output failed in {stack_dir}: {last_error_line(shown.stderr)}",
            "check the backend configuration and credentials",
        )
    data = json.loads(shown.stdout or "{}")
    return {name: entry["value"] for name, entry in data.items()}

"""``make promote``: move each canary alias fully to its function's newest version.

A function with ``"alias": {"name": ..., "canary_percent": N}`` keeps the alias on the last
promoted version and sends N% to the newest one. The last promoted version is a
``terraform_data`` marker in the stack's state (``stacks.config.PROMOTED_VERSION_MARKER``);
promoting replaces the markers, so each takes its function's newest version and the alias
follows with no canary weight. Nothing else may change in that apply: when the plan would
change any other resource (code not deployed yet, drift), promote refuses and says so.

    python scripts/promote.py --stack-dir cdktf.out/stacks/signed-lambda

Exit codes: 0 promoted, or nothing to promote; 2 refused (no synthesized stack, changes that
are not deployed); 3 Terraform failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stacks.config import PROMOTED_VERSION_MARKER
from verifier.drift.plan import last_error_line, run_terraform
from verifier.errors import CollectionError, InputError, VerifierError

PLAN_FILE = "promote.tfplan"


def markers(stack_dir: Path) -> dict[str, str]:
    """``{function construct: terraform_data address}`` of every promoted-version marker."""
    path = stack_dir / "cdk.tf.json"
    if not path.is_file():
        raise InputError(f"{stack_dir} has no cdk.tf.json", "run `make synth` first")
    resources = json.loads(path.read_text()).get("resource", {}).get("terraform_data", {})
    found = {}
    for name, body in resources.items():
        construct, _, leaf = body["//"]["metadata"]["path"].rpartition("/")
        if leaf == PROMOTED_VERSION_MARKER:
            found[construct.rpartition("/")[2]] = f"terraform_data.{name}"
    return found


def _terraform(stack_dir: Path, *args: str) -> str:
    result = run_terraform(stack_dir, *args, env=dict(os.environ), timeout=900)
    if result.returncode != 0:
        raise CollectionError(
            f"terraform {args[0]} failed in {stack_dir}: {last_error_line(result.stderr)}",
            f"run `terraform {' '.join(args)}` there to see why",
        )
    return result.stdout


def _weights(alias: dict[str, Any] | None) -> dict[str, float]:
    """An alias's canary weights from Terraform's JSON (``routing_config`` is a list block)."""
    routing = (alias or {}).get("routing_config") or [{}]
    return dict((routing[0] or {}).get("additional_version_weights") or {})


def _routes(alias: dict[str, Any] | None) -> str:
    """``1 (90%) + 2 (10%)``, or ``2`` when the alias sends everything to one version."""
    if not alias:
        return "none"
    weights = _weights(alias)
    if not weights:
        return str(alias["function_version"])
    rest = 1 - sum(weights.values())
    extra = " + ".join(f"{version} ({weight:.0%})" for version, weight in sorted(weights.items()))
    return f"{alias['function_version']} ({rest:.0%}) + {extra}"


def promote(stack_dir: Path) -> list[str]:
    """Plan the markers' replacement, refuse any other change, apply; the lines say what moved."""
    found = markers(stack_dir)
    if not found:
        return ["nothing to promote: no function has an alias with canary_percent"]
    replace = [f"-replace={address}" for address in found.values()]
    _terraform(stack_dir, "init", "-input=false", "-no-color")
    _terraform(stack_dir, "plan", "-input=false", "-no-color", f"-out={PLAN_FILE}", *replace)
    plan = json.loads(_terraform(stack_dir, "show", "-json", PLAN_FILE))
    moving, others = [], []
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        if change["address"] in found.values() or change["type"] == "aws_lambda_alias":
            if change["type"] == "aws_lambda_alias":
                moving.append(change)
            continue
        others.append(f"{change['address']} ({', '.join(actions)})")
    if others:
        raise InputError(
            f"the stack has changes that are not deployed: {'; '.join(sorted(others))}",
            "run `make deploy` first (a canary starts there), then `make promote`",
        )
    canaries = [change for change in moving if _weights(change["change"]["before"])]
    if not canaries:
        return ["nothing to promote: every canary alias already sends all traffic to one version"]
    _terraform(stack_dir, "apply", "-input=false", "-no-color", "-auto-approve", PLAN_FILE)
    shown = json.loads(_terraform(stack_dir, "show", "-json"))
    now = {
        r["address"]: r["values"]
        for r in shown.get("values", {}).get("root_module", {}).get("resources", [])
    }
    return [
        f"{c['address']}: alias {c['change']['before']['name']}: "
        f"{_routes(c['change']['before'])} -> {_routes(now.get(c['address']))}"
        for c in canaries
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        for line in promote(args.stack_dir):
            print(line, file=sys.stderr)
    except VerifierError as error:
        print(f"error: {error.diagnostics()}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())

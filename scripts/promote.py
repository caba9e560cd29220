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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stacks.config import PROMOTED_VERSION_MARKER
from verifier.drift.plan import last_error_line, run_terraform
from verifier.errors import CollectionError, InputError, VerifierError

PLAN_FILE = "promote.tfplan"


@dataclass(frozen=True)
class Release:
    """A function with a canary alias: its promoted-version marker and its alias (addresses)."""

    function: str
    marker: str
    alias: str


def releases(stack_dir: Path) -> list[Release]:
    """Every function of the synthesized stack that has a promoted-version marker."""
    path = stack_dir / "cdk.tf.json"
    if not path.is_file():
        raise InputError(f"{stack_dir} has no cdk.tf.json", "run `make synth` first")
    resources = json.loads(path.read_text()).get("resource", {})

    def by_construct(kind: str, leaf: str) -> dict[str, str]:
        found = {}
        for name, body in resources.get(kind, {}).items():
            construct, _, last = body["//"]["metadata"]["path"].rpartition("/")
            if last == leaf:
                # The function's construct is fn-<key> (stacks/stack.py): name it by its key.
                found[construct.rpartition("/")[2].removeprefix("fn-")] = f"{kind}.{name}"
        return found

    markers = by_construct("terraform_data", PROMOTED_VERSION_MARKER)
    aliases = by_construct("aws_lambda_alias", "alias")
    return [Release(function, markers[function], aliases[function]) for function in sorted(markers)]


def _weights(alias: Mapping[str, Any] | None) -> dict[str, float]:
    """An alias's canary weights from Terraform's JSON (``routing_config`` is a list block)."""
    routing = (alias or {}).get("routing_config") or [{}]
    return dict((routing[0] or {}).get("additional_version_weights") or {})


def _routes(alias: Mapping[str, Any]) -> str:
    """``1 (90%) + 2 (10%)``, or ``2`` when the alias sends everything to one version."""
    weights = _weights(alias)
    if not weights:
        return str(alias["function_version"])
    rest = 1 - sum(weights.values())
    extra = " + ".join(f"{version} ({weight:.0%})" for version, weight in sorted(weights.items()))
    return f"{alias['function_version']} ({rest:.0%}) + {extra}"


def promotions(plan: Mapping[str, Any], found: list[Release]) -> list[str]:
    """What a plan that replaces the markers moves: one line per canary alias (none when no
    canary runs). Any other change in the plan is refused: promote must not deploy."""
    ours = {r.marker for r in found} | {r.alias for r in found}
    changes = {c["address"]: c for c in plan.get("resource_changes", [])}
    others = sorted(
        f"{address} ({', '.join(c['change']['actions'])})"
        for address, c in changes.items()
        if address not in ours and c["change"]["actions"] not in (["no-op"], ["read"])
    )
    if others:
        raise InputError(
            f"the stack has changes that are not deployed: {'; '.join(others)}",
            "run `make deploy` first (a canary starts there), then `make promote`",
        )
    lines = []
    for release in found:
        before = (changes.get(release.alias) or {}).get("change", {}).get("before")
        if before and _weights(before):
            newest = changes[release.marker]["change"]["after"]["input"]
            lines.append(
                f"{release.function}: alias {before['name']}: {_routes(before)} -> {newest}"
            )
    return lines


def _terraform(stack_dir: Path, *args: str) -> str:
    result = run_terraform(stack_dir, *args, env=dict(os.environ), timeout=900)
    if result.returncode != 0:
        raise CollectionError(
            f"terraform {args[0]} failed in {stack_dir}: {last_error_line(result.stderr)}",
            f"run `terraform {' '.join(args)}` there to see why",
        )
    return result.stdout


def promote(stack_dir: Path) -> list[str]:
    """Plan the markers' replacement, refuse any other change, apply; the lines say what moved.
    The stack is initialized already (`make synth` runs `terraform init`)."""
    found = releases(stack_dir)
    if not found:
        return ["nothing to promote: no function has an alias with canary_percent"]
    replace = [f"-replace={release.marker}" for release in found]
    _terraform(stack_dir, "plan", "-input=false", "-no-color", f"-out={PLAN_FILE}", *replace)
    lines = promotions(json.loads(_terraform(stack_dir, "show", "-json", PLAN_FILE)), found)
    if not lines:
        return ["nothing to promote: every canary alias sends all its traffic to one version"]
    _terraform(stack_dir, "apply", "-input=false", "-no-color", "-auto-approve", PLAN_FILE)
    return lines


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

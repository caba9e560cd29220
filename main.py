"""Wiring only: build the config, instantiate the stack, synthesize.

Configuration: an optional JSON file (``signed-lambda.json`` at the repo root, or the path in
``SIGNED_LAMBDA_CONFIG``) plus environment overrides (see README, "Configuration").

``python main.py --check`` (``make validate``) only validates the config: every error, one line
each, exit 2; it never imports the CDK toolkit, so it takes a fraction of a second.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from stacks.config import ConfigError, load_config

DEFAULT_CONFIG_FILE = Path(__file__).parent / "signed-lambda.json"
USAGE = "usage: python main.py [--check]"


def main(argv: Sequence[str] = ()) -> int:
    if list(argv) not in ([], ["--check"]):
        print(f"error: {USAGE} (got {' '.join(argv)})", file=sys.stderr)
        return 2
    problems: list[ConfigError] = []
    try:
        config = load_config(os.environ, default_file=DEFAULT_CONFIG_FILE, check_sources=True)
    except ConfigError as error:
        problems.append(error)
    else:
        from stacks.packages import check_builds  # no jsii: the package builder only

        try:
            check_builds(config)
        except ConfigError as error:
            problems.append(error)
    try:
        # Selects the toolchain (SIGNED_LAMBDA_CDK=cdktf|cdktn); the toolkit loads on first use.
        import stacks.cdk  # noqa: F401
    except ConfigError as error:
        problems.append(error)
    if problems:
        for problem in ConfigError.combine(problems).errors:
            print(f"error: config {problem.line}", file=sys.stderr)
        return 2
    if argv:
        source = os.environ.get("SIGNED_LAMBDA_CONFIG") or (
            DEFAULT_CONFIG_FILE.name if DEFAULT_CONFIG_FILE.exists() else "the defaults"
        )
        print(
            f"config ok ({source}): stack {config.stack_name}, "
            f"{len(config.functions)} functions, {len(config.layers)} layers",
            file=sys.stderr,
        )
        return 0
    # Loading the jsii bindings takes seconds: only for a valid config.
    from stacks.cdk import App
    from stacks.stack import SignedLambdaStack

    try:
        app = App()
        SignedLambdaStack(app, config.stack_name, config)
        app.synth()
    except ConfigError as error:  # found while packaging, or a toolchain that is not installed
        for problem in error.errors:
            print(f"error: config {problem.line}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

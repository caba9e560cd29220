"""Wiring only: build the config, instantiate the stack, synthesize.

Configuration: an optional JSON file (``signed-lambda.json`` at the repo root, or the path in
``SIGNED_LAMBDA_CONFIG``) plus environment overrides (see README, "Configuration").
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from stacks.config import ConfigError, load_config


def main() -> int:
    try:
        config = load_config(os.environ, default_file=Path(__file__).parent / "signed-lambda.json")
        # Imported after the config is valid: loading the jsii bindings takes seconds.
        # stacks.cdk picks the toolchain (SIGNED_LAMBDA_CDK=cdktf|cdktn).
        from stacks.cdk import App
        from stacks.stack import SignedLambdaStack

        app = App()
        SignedLambdaStack(app, config.stack_name, config)
        app.synth()
    except ConfigError as error:
        print(f"error: config {error.field_name}: {error.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

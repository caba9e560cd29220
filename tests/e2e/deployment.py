"""A real deployment of the synthesized stack: the Terraform binary and AWS provider applying
it against a local AWS over HTTP, plus boto3 clients for out-of-band changes."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localaws.testing import LocalAws
from tests.conftest import (
    LOCAL_CREDENTIALS,
    STACK_NAME,
    Synth,
    terraform,
    terraform_workdir,
    tool_env,
)


@dataclass
class Deployment:
    workdir: Path
    local_aws: LocalAws
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def apply(cls, synth: Synth, parent: Path, local_aws: LocalAws) -> Deployment:
        # The directory carries the stack's name, as under cdktf.out/stacks/.
        workdir = terraform_workdir(synth, parent / STACK_NAME)
        env = {**local_aws.env(), **LOCAL_CREDENTIALS}
        deployment = cls(workdir=workdir, local_aws=local_aws, env=env)
        deployment.terraform("init", "-input=false", "-no-color")
        deployment.terraform("apply", "-auto-approve", "-input=false", "-no-color")
        deployment.write_outputs()
        return deployment

    def terraform(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return terraform(self.workdir, *args, env=self.env, check=check)

    @property
    def outputs_file(self) -> Path:
        return self.workdir / "cdktf-outputs.json"

    def write_outputs(self) -> None:
        """The same shape ``cdktf deploy --outputs-file`` writes: {stack: {output: value}}."""
        shown = json.loads(self.terraform("output", "-json").stdout)
        outputs = {STACK_NAME: {name: entry["value"] for name, entry in shown.items()}}
        self.outputs_file.write_text(json.dumps(outputs, indent=2))

    @property
    def manifest(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.outputs_file.read_text())[STACK_NAME]["manifest"]
        return data

    def client(self, service: str) -> Any:
        return self.local_aws.client(service)

    def verify(self, *args: str) -> tuple[int, dict[str, Any]]:
        """Run the verifier CLI as a user would; return its exit code and JSON report."""
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "verifier",
                "verify",
                "--outputs",
                str(self.outputs_file),
                "--format",
                "json",
                *args,
            ],
            env=tool_env(self.env),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert "Traceback" not in result.stderr, result.stderr
        report = json.loads(result.stdout) if result.stdout.strip() else {}
        return result.returncode, report

    def plan_exit_code(self) -> int:
        """``terraform plan -detailed-exitcode``: 0 no changes, 2 changes, 1 error."""
        result = self.terraform(
            "plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false", check=False
        )
        assert result.returncode in (0, 2), result.stderr
        return result.returncode

    def state_resources(self) -> dict[str, Any]:
        state = json.loads(self.terraform("show", "-json").stdout)
        resources = state["values"]["root_module"]["resources"]
        return {r["address"]: r["values"] for r in resources}


def empty_versioned_bucket(s3: Any, bucket: str) -> int:
    """Delete every object version and delete marker (what an operator does before destroy:
    the bucket is evidence, so the stack does not set force_destroy)."""
    deleted = 0
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
            deleted += 1
    return deleted

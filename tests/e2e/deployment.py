"""A real deployment of the synthesized stack: the Terraform binary and AWS provider applying
it against a local AWS over HTTP, plus boto3 clients for out-of-band changes, a snapshot of the
live state, and a restore that puts back what out-of-band changes altered."""

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
    REPO_ROOT,
    STACK_NAME,
    Synth,
    terraform,
    terraform_workdir,
    tool_env,
)
from verifier.contract.lock import LOCK_FILE_NAME, entry_from_manifest, render
from verifier.contract.manifest import parse as parse_manifest

# Fields of GetFunction's Configuration that change on every update, whatever it changes.
VOLATILE_CONFIGURATION = {"LastModified", "RevisionId", "ResponseMetadata"}


@dataclass
class Deployment:
    workdir: Path
    local_aws: LocalAws
    env: dict[str, str] = field(default_factory=dict)
    #: The live state right after the apply (see live_state); restore() returns to it.
    baseline: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def apply(
        cls,
        synth: Synth,
        parent: Path,
        local_aws: LocalAws,
        backend: dict[str, Any] | None = None,
    ) -> Deployment:
        """``terraform init`` and ``apply`` of a copy of the synthesized stack; its state beside
        the copy, or in ``backend`` (see terraform_workdir)."""
        # The directory carries the stack's name, as under cdktf.out/stacks/.
        workdir = terraform_workdir(synth, parent / STACK_NAME, backend)
        env = {**local_aws.env(), **LOCAL_CREDENTIALS}
        deployment = cls(workdir=workdir, local_aws=local_aws, env=env)
        deployment.terraform("init", "-input=false", "-no-color")
        deployment.terraform("apply", "-auto-approve", "-input=false", "-no-color")
        deployment.write_outputs()
        deployment.write_lock()
        deployment.baseline = deployment.live_state()
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
    def lock_file(self) -> Path:
        return self.workdir.parent / LOCK_FILE_NAME

    def write_lock(self) -> None:
        """What `make deploy` writes after the apply (and the user reviews and commits)."""
        parsed = parse_manifest(self.manifest, str(self.outputs_file))
        self.lock_file.write_text(render((entry_from_manifest(STACK_NAME, parsed),)))

    @property
    def manifest(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.outputs_file.read_text())[STACK_NAME]["manifest"]
        return data

    def client(self, service: str) -> Any:
        return self.local_aws.client(service)

    # -- the live state, and putting it back -----------------------------------------------

    def live_state(self) -> dict[str, Any]:
        """Everything an out-of-band scenario may change, read straight from AWS."""
        lambda_, s3 = self.client("lambda"), self.client("s3")
        manifest = self.manifest
        functions: dict[str, Any] = {}
        signed_objects: dict[str, list[str]] = {}
        for key, entry in sorted(manifest["functions"].items()):
            name = entry["function_name"]
            config = lambda_.get_function(FunctionName=name)["Configuration"]
            csc = lambda_.get_function_code_signing_config(FunctionName=name)
            functions[key] = {
                "configuration": {
                    k: v for k, v in config.items() if k not in VOLATILE_CONFIGURATION
                },
                "code_signing_config_arn": csc.get("CodeSigningConfigArn"),
                "versions": [
                    v["Version"]
                    for v in lambda_.list_versions_by_function(FunctionName=name)["Versions"]
                ],
                "aliases": [a["Name"] for a in lambda_.list_aliases(FunctionName=name)["Aliases"]],
            }
            listed = s3.list_object_versions(
                Bucket=entry["signed_bucket"], Prefix=entry["signed_key"]
            )
            signed_objects[key] = sorted(
                v["VersionId"]
                for v in listed.get("Versions", [])
                if v["Key"] == entry["signed_key"]
            )
        csc = lambda_.get_code_signing_config(
            CodeSigningConfigArn=manifest["code_signing_config_arn"]
        )["CodeSigningConfig"]
        profile = self.client("signer").get_signing_profile(
            profileName=manifest["signing_profile_name"]
        )
        return {
            "functions": functions,
            "signed_objects": signed_objects,
            "csc": {
                "policies": csc["CodeSigningPolicies"],
                "publishers": csc["AllowedPublishers"],
            },
            "bucket_versioning": s3.get_bucket_versioning(Bucket=manifest["bucket"]).get("Status"),
            "roles": sorted(r["RoleName"] for r in self.client("iam").list_roles()["Roles"]),
            # Not restorable (a revocation or cancel is final): a scenario that changes the
            # profile needs an apply of its own (test_attacks.py's irreversible one).
            "profile": {
                "status": profile.get("status"),
                "revoked": profile.get("revocationRecord"),
            },
        }

    def restore(self) -> None:
        """Undo out-of-band changes: whatever differs from the baseline is put back through the
        same APIs an operator would use. The caller asserts that live_state() == baseline."""
        lambda_, s3, iam = self.client("lambda"), self.client("s3"), self.client("iam")
        manifest, baseline = self.manifest, self.baseline
        csc_arn = manifest["code_signing_config_arn"]
        # 1. The CSC's policy and publishers first, so the code restored below is checked.
        if self.live_state()["csc"] != baseline["csc"]:
            lambda_.update_code_signing_config(
                CodeSigningConfigArn=csc_arn,
                AllowedPublishers=baseline["csc"]["publishers"],
                CodeSigningPolicies=baseline["csc"]["policies"],
            )
        s3.put_bucket_versioning(
            Bucket=manifest["bucket"],
            VersioningConfiguration={"Status": baseline["bucket_versioning"]},
        )
        for key, entry in manifest["functions"].items():
            name = entry["function_name"]
            expected = baseline["functions"][key]
            # 2. Signed objects: drop versions written after the apply (an overwrite).
            listed = s3.list_object_versions(
                Bucket=entry["signed_bucket"], Prefix=entry["signed_key"]
            )
            for version in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
                if (
                    version["Key"] == entry["signed_key"]
                    and version["VersionId"] not in (baseline["signed_objects"][key])
                ):
                    s3.delete_object(
                        Bucket=entry["signed_bucket"],
                        Key=entry["signed_key"],
                        VersionId=version["VersionId"],
                    )
            # 3. Aliases and published versions the apply did not create.
            for alias in lambda_.list_aliases(FunctionName=name)["Aliases"]:
                if alias["Name"] not in expected["aliases"]:
                    lambda_.delete_alias(FunctionName=name, Name=alias["Name"])
            for version in lambda_.list_versions_by_function(FunctionName=name)["Versions"]:
                if version["Version"] not in expected["versions"]:
                    lambda_.delete_function(FunctionName=name, Qualifier=version["Version"])
            # 4. The CSC attachment, the configuration and the code.
            if (
                lambda_.get_function_code_signing_config(FunctionName=name).get(
                    "CodeSigningConfigArn"
                )
                != expected["code_signing_config_arn"]
            ):
                lambda_.put_function_code_signing_config(
                    CodeSigningConfigArn=expected["code_signing_config_arn"], FunctionName=name
                )
            configuration = expected["configuration"]
            live = lambda_.get_function(FunctionName=name)["Configuration"]
            changed: dict[str, Any] = {}
            if live.get("Role") != configuration.get("Role"):
                changed["Role"] = configuration["Role"]
            if live.get("Environment") != configuration.get("Environment"):
                changed["Environment"] = {
                    "Variables": configuration.get("Environment", {}).get("Variables", {})
                }
            if live.get("Handler") != configuration.get("Handler"):
                changed["Handler"] = configuration["Handler"]
            live_layers = [layer["Arn"] for layer in live.get("Layers", [])]
            layers = [layer["Arn"] for layer in configuration.get("Layers", [])]
            if live_layers != layers:
                changed["Layers"] = layers
            if changed:
                lambda_.update_function_configuration(FunctionName=name, **changed)
            if live["CodeSha256"] != configuration["CodeSha256"]:
                lambda_.update_function_code(
                    FunctionName=name, S3Bucket=entry["signed_bucket"], S3Key=entry["signed_key"]
                )
        # 5. Roles created out of band (after the functions stopped using them).
        for role in iam.list_roles()["Roles"]:
            if role["RoleName"] not in baseline["roles"]:
                iam.delete_role(RoleName=role["RoleName"])

    # -- running the verifier ---------------------------------------------------------------

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
                "--lock",
                str(self.lock_file),
                "--source",
                str(REPO_ROOT),
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

    def state_file(self) -> str:
        """The local state, byte for byte (cheaper than `terraform show`, and stricter: any
        write, even a serial bump, shows)."""
        return (self.workdir / "terraform.tfstate").read_text()


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

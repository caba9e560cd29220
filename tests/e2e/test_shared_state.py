"""The whole life of a team's deployment with shared state: the real Terraform AWS provider
applies the stack against the local AWS with the S3 backend (state in the local AWS, S3-native
locking), a plan straight after shows no changes, `make drift` from a second, clean checkout
with no state reads that state and finds no drift, then an out-of-band change, and destroy
removes everything.

One apply serves both stories (apply -> clean plan -> destroy, and shared state). The deployer
applies the session's synth with the S3 backend block the stack synthesizes (the clean checkout's
own synth, from the same SIGNED_LAMBDA_STATE_* settings, reads the state back); `make deploy`
itself, cdktf CLI included, runs in the demo (test_demo.py).
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from localaws.testing import running_local_aws
from tests.conftest import LOCAL_CREDENTIALS, Synth, checkout_copy, tool_env
from tests.e2e.deployment import Deployment, empty_versioned_bucket

pytestmark = pytest.mark.e2e

STATE_BUCKET = "team-tf-state"
STATE_KEY = "ci/signed-lambda.tfstate"
#: What the stack synthesizes for SIGNED_LAMBDA_STATE_BUCKET/_KEY (tests/stacks/test_synth.py
#: pins the same block for a config file's `backend`).
S3_BACKEND = {
    "s3": {
        "bucket": STATE_BUCKET,
        "key": STATE_KEY,
        "region": "us-east-1",
        "encrypt": True,
        "use_lockfile": True,
    }
}


def make(target: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", target],
        cwd=cwd,
        env=tool_env({"CI": "true", **env}),
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )


def test_apply_plan_clean_drift_from_a_clean_checkout_then_destroy(
    synth: Synth, tmp_path: Path
) -> None:
    with running_local_aws(tls=True) as local:
        s3 = local.client("s3")
        s3.create_bucket(Bucket=STATE_BUCKET)
        s3.put_bucket_versioning(Bucket=STATE_BUCKET, VersioningConfiguration={"Status": "Enabled"})
        env = {
            **local.env(),
            **LOCAL_CREDENTIALS,
            "SIGNED_LAMBDA_STATE_BUCKET": STATE_BUCKET,
            "SIGNED_LAMBDA_STATE_KEY": STATE_KEY,
        }

        # 1. Apply from the deployer's checkout, state in the S3 backend.
        deployment = Deployment.apply(synth, tmp_path / "deployer", local, backend=S3_BACKEND)
        manifest = deployment.manifest
        lambda_ = deployment.client("lambda")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=STATE_BUCKET)["Contents"]]
        assert keys == [STATE_KEY], "state lives in the S3 backend"
        assert not list(deployment.workdir.glob("*.tfstate")), "and nowhere locally"
        lock = deployment.lock_file.read_text()
        assert '"policy": "Enforce"' in lock, "the trust anchor `make deploy` writes"

        # 2. The deployed code is the signed object, and Lambda recorded who signed it.
        for entry in manifest["functions"].values():
            config = lambda_.get_function(FunctionName=entry["function_name"])["Configuration"]
            signed = s3.get_object(Bucket=entry["signed_bucket"], Key=entry["signed_key"])[
                "Body"
            ].read()
            assert (
                config["CodeSha256"] == base64.b64encode(hashlib.sha256(signed).digest()).decode()
            )
            assert config["SigningJobArn"].endswith(entry["signing_job_id"])
            assert config["SigningProfileVersionArn"] == manifest["signing_profile_version_arn"]
            csc = lambda_.get_function_code_signing_config(FunctionName=entry["function_name"])
            assert csc["CodeSigningConfigArn"] == manifest["code_signing_config_arn"]

        # 3. No perpetual diff: a plan straight after apply exits 0.
        assert deployment.plan_exit_code() == 0

        # 4. `make drift` from a second, clean checkout: no state, no synth, only the lock
        #    (committed and reviewed).
        ci = checkout_copy(tmp_path / "ci")
        assert not list(ci.rglob("*.tfstate")) and not (ci / "cdktf.out").exists()
        (ci / "signed-lambda.lock.json").write_text(lock)
        drift = make("drift", ci, env)
        summary = (ci / "reports" / "drift-summary.md").read_text()
        assert drift.returncode == 0, drift.stderr[-3000:]
        assert summary.startswith("## Drift check: ✅ no drift")
        assert "changed outside Terraform" not in summary, summary

        # 5. An out-of-band change is seen from the clean checkout too.
        csc_arn = manifest["code_signing_config_arn"]
        lambda_.update_code_signing_config(
            CodeSigningConfigArn=csc_arn,
            CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Warn"},
        )
        # The second run reuses the clean checkout's synth: `signed-lambda drift` is what
        # `make drift` runs after synthesizing.
        drift = subprocess.run(
            [
                sys.executable,
                "-m",
                "verifier",
                "drift",
                "--stacks-dir",
                "cdktf.out/stacks",
                "--reports",
                "reports",
                "--source",
                ".",
            ],
            cwd=ci,
            env=tool_env(env),
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )
        summary = (ci / "reports" / "drift-summary.md").read_text()
        assert drift.returncode == 1, drift.stderr[-3000:]
        assert summary.startswith("## Drift check: ❌ drift found"), summary
        assert "`policies`" in summary and "`csc.policy`" in summary

        # 6. The bucket keeps signed packages Terraform did not create; empty it, then destroy.
        assert empty_versioned_bucket(s3, manifest["bucket"]) >= 4
        deployment.terraform("destroy", "-auto-approve", "-input=false", "-no-color")
        assert deployment.terraform("state", "list").stdout.strip() == ""
        names = {f["FunctionName"] for f in lambda_.list_functions()["Functions"]}
        assert not names & {e["function_name"] for e in manifest["functions"].values()}
        assert lambda_.list_code_signing_configs()["CodeSigningConfigs"] == []

"""A team that shares state: deploy from one checkout with the S3 backend (state in the local
AWS, S3-native locking), then run `make drift` from a second, clean checkout with no state."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from localaws.testing import running_local_aws
from tests.conftest import LOCAL_CREDENTIALS, checkout_copy, tool_env

pytestmark = pytest.mark.e2e

STATE_BUCKET = "team-tf-state"
STATE_KEY = "ci/signed-lambda.tfstate"


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


def test_drift_from_a_second_checkout_reads_shared_state(tmp_path: Path) -> None:
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

        deployer = checkout_copy(tmp_path / "deployer")
        deployed = make("deploy", deployer, env)
        assert deployed.returncode == 0, deployed.stderr[-3000:]
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=STATE_BUCKET)["Contents"]]
        assert keys == [STATE_KEY], "state lives in the S3 backend"
        assert not list(deployer.glob("*.tfstate")), "and nowhere locally"
        lock = (deployer / "signed-lambda.lock.json").read_text()
        assert '"policy": "Enforce"' in lock, "make deploy wrote the trust anchor"

        ci = checkout_copy(tmp_path / "ci")
        assert not list(ci.rglob("*.tfstate")) and not (ci / "cdktf.out").exists()
        # The lock is committed and reviewed: the clean checkout has it, and nothing else.
        (ci / "signed-lambda.lock.json").write_text(lock)
        drift = make("drift", ci, env)
        summary = (ci / "reports" / "drift-summary.md").read_text()
        assert drift.returncode == 0, drift.stderr[-3000:]
        assert summary.startswith("## Drift check: ✅ no drift")
        assert "changed outside Terraform" not in summary, summary

        # An out-of-band change is seen from the clean checkout too.
        lambda_ = local.client("lambda")
        csc = lambda_.list_code_signing_configs()["CodeSigningConfigs"][0]
        lambda_.update_code_signing_config(
            CodeSigningConfigArn=csc["CodeSigningConfigArn"],
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

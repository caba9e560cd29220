"""With the local AWS's AWS-like rate limits on, a deploy and concurrent verifies still
complete correctly: botocore's retries absorb the 429s instead of turning them into errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from localaws import process
from localaws.testing import running_local_aws
from tests.conftest import Synth, tool_env
from tests.e2e.deployment import Deployment
from verifier.checks import REGISTRY

pytestmark = pytest.mark.e2e

CONCURRENT_VERIFIES = 4


def test_verify_under_rate_limits(synth: Synth, tmp_path: Path) -> None:
    with running_local_aws(tls=True, rate_limits=True) as local:
        deployment = Deployment.apply(synth, tmp_path, local)
        command = [
            sys.executable,
            "-m",
            "verifier",
            "verify",
            "--outputs",
            str(deployment.outputs_file),
            "--format",
            "json",
        ]
        # Several verifies at once exceed Lambda's 15 req/s control-plane budget.
        runs = [
            subprocess.Popen(
                command,
                env=tool_env(deployment.env),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(CONCURRENT_VERIFIES)
        ]
        # communicate() reads both pipes while waiting: a report larger than a pipe's buffer
        # (64 KiB) cannot block the verifier.
        try:
            outputs = [run.communicate(timeout=300) for run in runs]
        finally:
            for run in runs:
                if run.poll() is None:
                    run.kill()
                    run.wait()
        results = [
            (run.returncode, stdout, stderr)
            for run, (stdout, stderr) in zip(runs, outputs, strict=True)
        ]
        health = process.health(local.endpoint_url, ca_file=local.ca_bundle)
    assert health is not None
    assert int(str(health["throttledRequests"])) > 0, "the limits were never hit"
    for code, stdout, stderr in results:
        assert code == 0, stderr
        report = json.loads(stdout)
        assert report["result"] == "pass"
        assert {check["status"] for check in report["checks"]} == {"pass"}
        assert len(report["checks"]) == len(REGISTRY) * len(deployment.manifest["functions"])

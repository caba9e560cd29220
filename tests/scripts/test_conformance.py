"""scripts/conformance/: pure judges by hand, the whole run against the local AWS, refusals.

The local AWS runs the same boto3 calls the script makes in a sandbox account, so `make test`
proves the script itself (create, sign, deploy, record, clean up); what real AWS answers is what
the script exists to record.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3.session
import pytest
from botocore.exceptions import ClientError
from conformance import cli, evidence, items, packages, recipe, record  # scripts/ on sys.path

from localaws.testing import LocalAws, running_local_aws
from localaws.world import FIXED_ZIP_TIME, World, package
from tests.conftest import LOCAL_CREDENTIALS, REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "conformance"
RUN_TIMEOUT_SECONDS = 240
REFUSAL_TIMEOUT_SECONDS = 60


# --- builders: "everything holds, break one fact" ---------------------------------------------

ACCOUNT = "123456789012"
PROFILE_VERSION_ARN = f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-profiles/conf_profile/v1"
LAYER_VERSION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:conf-layer:1"
COMPLETED_AT = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def _job_arn(job_id: str) -> str:
    return f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-jobs/{job_id}"


def _with_comment(package: bytes, comment: bytes) -> bytes:
    """The package re-saved with a zip comment (what the local Signer does, in spirit)."""
    buffer = io.BytesIO(package)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = comment
    return buffer.getvalue()


def _job(role: str, job_id: str, prefix: str) -> dict[str, Any]:
    return {
        "jobId": job_id,
        "status": "Succeeded",
        "source": {"s3": {"bucketName": "b", "key": f"unsigned/{role}.zip", "version": "u1"}},
        "signedObject": {"s3": {"bucketName": "b", "key": f"{prefix}{job_id}.zip"}},
        "profileName": "conf_profile",
        "profileVersion": "v1",
        "platformId": recipe.PLATFORM_ID,
        "createdAt": COMPLETED_AT - timedelta(seconds=3),
        "completedAt": COMPLETED_AT,
        "signatureExpiresAt": COMPLETED_AT + timedelta(days=7),
    }


def _list_entry(job: dict[str, Any]) -> dict[str, Any]:
    entry = {k: v for k, v in job.items() if k not in ("completedAt", "createdAt")}
    entry["createdAt"] = job["createdAt"]
    entry["isRevoked"] = False
    return entry


def _package(role: str, unsigned: bytes, job_id: str, prefix: str) -> evidence.SignedPackage:
    signed = _with_comment(unsigned, b"signature")
    job = _job(role, job_id, prefix)
    return evidence.SignedPackage(
        role=role,
        unsigned_bytes=unsigned,
        destination_prefix=prefix,
        job_id=job_id,
        describe_job=job,
        list_job_entry=_list_entry(job),
        list_pages_read=1,
        signed_bucket="b",
        signed_key=f"{prefix}{job_id}.zip",
        signed_version_id="s1",
        signed_last_modified=COMPLETED_AT,
        signed_key_versions=1,
        signed_sha256=packages.code_sha256([signed]),
        signed_bytes=signed,
    )


def passing_evidence() -> evidence.Evidence:
    function = _package("function", packages.function_package(), "job-fn", recipe.FUNCTION_PREFIX)
    layer = _package("layer", packages.layer_package(), "job-layer", recipe.LAYER_PREFIX)
    signing = {
        "SigningJobArn": _job_arn("job-fn"),
        "SigningProfileVersionArn": PROFILE_VERSION_ARN,
    }
    configuration = {
        "CodeSha256": function.signed_sha256,
        **signing,
        "Layers": [
            {
                "Arn": LAYER_VERSION_ARN,
                "SigningJobArn": _job_arn("job-layer"),
                "SigningProfileVersionArn": PROFILE_VERSION_ARN,
            }
        ],
    }
    return evidence.Evidence(
        function=function,
        layer=layer,
        profile_version_arn=PROFILE_VERSION_ARN,
        layer_version_arn=LAYER_VERSION_ARN,
        latest_configuration=configuration,
        published_configuration={**configuration, "Version": "1"},
        published_listing={**configuration, "Version": "1"},
        layer_version={
            "Content": {
                "CodeSha256": layer.signed_sha256,
                "SigningJobArn": _job_arn("job-layer"),
                "SigningProfileVersionArn": PROFILE_VERSION_ARN,
            }
        },
        profile_put_again={state: _refused(status) for state, status in REPUT_STATES},
    )


REPUT_STATES = (("active", "Active"), ("canceled", "Canceled"))


def _refused(status: str) -> dict[str, Any]:
    return {
        "accepted": False,
        "error_code": "ValidationException",
        "error_message": "Profile with name conf_profile_reput already exists",
        "http_status": 400,
        "status_after": status,
        "version_arn_after_is_the_first": True,
    }


def holds_by_id(evidence: evidence.Evidence) -> dict[str, bool | None]:
    return {item.id: item.holds for item in items.judge(evidence)}


def item(evidence: evidence.Evidence, item_id: str) -> items.Item:
    return next(i for i in items.judge(evidence) if i.id == item_id)


# --- pure helpers ----------------------------------------------------------------------------


def test_every_item_holds_on_passing_evidence_and_every_registered_item_is_judged() -> None:
    assert holds_by_id(passing_evidence()) == dict.fromkeys(items.ITEM_IDS, True)


def test_combine_false_beats_none_beats_true_and_nothing_is_not_a_pass() -> None:
    assert items.combine({"a": True, "b": True}) is True
    assert items.combine({"a": True, "b": None}) is None
    assert items.combine({"a": None, "b": False}) is False
    assert items.combine({}) is None


def test_packages_are_deterministic_zips() -> None:
    assert packages.function_package() == packages.function_package()
    with zipfile.ZipFile(io.BytesIO(packages.function_package())) as archive:
        assert archive.namelist() == ["index.py"]
        assert archive.infolist()[0].date_time == FIXED_ZIP_TIME
    with zipfile.ZipFile(io.BytesIO(packages.layer_package())) as archive:
        assert archive.namelist() == ["python/conformance_layer.py"]


def test_code_sha256_is_base64_of_the_raw_digest() -> None:
    # sha256(b"abc") = ba7816bf...15ad
    assert packages.code_sha256([b"a", b"bc"]) == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="


def test_dotted_keys_drop_values_and_response_metadata() -> None:
    response = {
        "jobId": "secret-id",
        "signedObject": {"s3": {"bucketName": "b", "key": "k"}},
        "jobs": [{"isRevoked": False}],
        "ResponseMetadata": {"RequestId": "x"},
    }
    assert items.dotted_keys(response) == [
        "jobId",
        "jobs",
        "jobs[].isRevoked",
        "signedObject",
        "signedObject.s3",
        "signedObject.s3.bucketName",
        "signedObject.s3.key",
    ]


def test_signature_location_in_the_comment() -> None:
    unsigned = packages.function_package()
    location = packages.signature_location(unsigned, _with_comment(unsigned, b"sig" * 10))
    assert location["added_entries"] == []
    assert location["signed_comment_length"] == 30
    assert location["unsigned_comment_length"] == 0
    assert location["unsigned_entries_identical"] is True
    assert location["unsigned_local_records_are_prefix"] is True


def test_signature_location_as_an_added_entry() -> None:
    unsigned = packages.function_package()
    buffer = io.BytesIO(unsigned)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("META-INF/signature.sig", b"sig")
    location = packages.signature_location(unsigned, buffer.getvalue())
    assert location["added_entries"] == ["META-INF/signature.sig"]
    assert location["unsigned_entries_identical"] is True


def test_a_rewritten_entry_breaks_signature_location() -> None:
    evidence = passing_evidence()
    rewritten = package({"index.py": "def handler(event, context):\n    return 1\n"})
    function = dataclasses.replace(evidence.function, signed_bytes=rewritten)
    found = item(dataclasses.replace(evidence, function=function), "signature_location")
    assert found.holds is False
    assert found.observed["function"]["changed_entries"] == ["index.py"]


def test_a_signed_object_that_is_not_a_zip_breaks_signature_location() -> None:
    evidence = passing_evidence()
    function = dataclasses.replace(evidence.function, signed_bytes=b"not a zip")
    found = item(dataclasses.replace(evidence, function=function), "signature_location")
    assert found.holds is False
    assert found.observed["function"]["signed_is_zip"] is False


def test_code_sha256_mismatch_does_not_hold() -> None:
    evidence = passing_evidence()
    published = {**evidence.published_configuration, "CodeSha256": "AAAA"}
    found = item(
        dataclasses.replace(evidence, published_configuration=published),
        "code_sha256_equals_signed_object_sha256",
    )
    assert found.holds is False
    assert found.observed["published_version"]["equal"] is False
    assert found.observed["function"]["equal"] is True


def test_missing_layer_code_sha256_is_not_observed_with_a_reason() -> None:
    evidence = passing_evidence()
    layer_version = {"Content": {"Location": "https://example"}}
    broken = dataclasses.replace(evidence, layer_version=layer_version)
    found = item(broken, "code_sha256_equals_signed_object_sha256")
    assert found.holds is None
    assert found.reason == "layer: no CodeSha256 in the response"
    signing = item(broken, "layer_version_signing_fields")
    assert signing.holds is None
    assert signing.reason == f"Content: {items.NO_SIGNING_ARNS}"


def test_signed_key_outside_the_pattern_does_not_hold() -> None:
    evidence = passing_evidence()
    layer = dataclasses.replace(evidence.layer, signed_key="signed/layer/other.zip")
    found = item(dataclasses.replace(evidence, layer=layer), "signed_key_pattern")
    assert found.holds is False
    assert found.observed["layer"]["relative_key"] == "other.zip"


def test_missing_field_breaks_describe_shape_but_a_version_id_is_only_recorded() -> None:
    evidence = passing_evidence()
    job = {k: v for k, v in evidence.function.describe_job.items() if k != "completedAt"}
    function = dataclasses.replace(evidence.function, describe_job=job)
    found = item(dataclasses.replace(evidence, function=function), "describe_signing_job_shape")
    assert found.holds is False
    assert found.observed["function"]["missing_keys_the_verifier_reads"] == ["completedAt"]

    with_version = dict(evidence.function.describe_job)
    with_version["signedObject"] = {"s3": {"bucketName": "b", "key": "k", "versionId": "v"}}
    function = dataclasses.replace(evidence.function, describe_job=with_version)
    found = item(dataclasses.replace(evidence, function=function), "describe_signing_job_shape")
    assert found.holds is True
    assert found.observed["function"]["signed_object_s3_has_version_id"] is True


def test_job_missing_from_the_listing_is_not_observed() -> None:
    evidence = passing_evidence()
    function = dataclasses.replace(evidence.function, list_job_entry=None, list_pages_read=20)
    found = item(dataclasses.replace(evidence, function=function), "list_signing_jobs_shape")
    assert found.holds is None
    assert "not in the first 20 page(s)" in (found.reason or "")


def test_late_or_extra_signed_object_versions_do_not_hold() -> None:
    evidence = passing_evidence()
    late = dataclasses.replace(
        evidence.function, signed_last_modified=COMPLETED_AT + timedelta(seconds=5)
    )
    found = item(
        dataclasses.replace(evidence, function=late), "completed_at_vs_last_modified_seconds"
    )
    assert found.holds is False
    assert found.observed["function"]["gap_seconds"] == 5.0
    twice = dataclasses.replace(evidence.layer, signed_key_versions=2)
    assert (
        item(
            dataclasses.replace(evidence, layer=twice), "completed_at_vs_last_modified_seconds"
        ).holds
        is False
    )


def test_function_without_signing_arns_does_not_hold() -> None:
    evidence = passing_evidence()
    latest = {k: v for k, v in evidence.latest_configuration.items() if k != "SigningJobArn"}
    found = item(
        dataclasses.replace(evidence, latest_configuration=latest), "function_signing_fields"
    )
    assert found.holds is False
    assert found.observed["latest"]["has_signing_job_arn"] is False


def test_layer_entry_without_signing_arns_is_not_observed_with_a_reason() -> None:
    evidence = passing_evidence()
    latest = {**evidence.latest_configuration, "Layers": [{"Arn": LAYER_VERSION_ARN}]}
    found = item(
        dataclasses.replace(evidence, latest_configuration=latest), "function_signing_fields"
    )
    assert found.holds is None
    assert found.reason == f"layers: {items.NO_SIGNING_ARNS}"


def test_layer_entry_naming_another_job_does_not_hold() -> None:
    evidence = passing_evidence()
    other = {
        "Arn": LAYER_VERSION_ARN,
        "SigningJobArn": _job_arn("job-fn"),
        "SigningProfileVersionArn": PROFILE_VERSION_ARN,
    }
    latest = {**evidence.latest_configuration, "Layers": [other]}
    found = item(
        dataclasses.replace(evidence, latest_configuration=latest), "function_signing_fields"
    )
    assert found.holds is False
    assert found.observed["layers"]["signing_job_arn_names_the_job"] is False


@pytest.mark.parametrize("state", ["active", "canceled"])
def test_a_profile_name_put_again_that_aws_accepts_does_not_hold(state: str) -> None:
    evidence = passing_evidence()
    accepted = {"accepted": True, "new_profile_version": True, "status_after": "Active"}
    accepted["version_arn_after_is_the_first"] = False
    put_again = {**evidence.profile_put_again, state: accepted}
    found = item(
        dataclasses.replace(evidence, profile_put_again=put_again), "profile_name_put_again"
    )
    assert found.holds is False
    assert found.observed[state]["new_profile_version"] is True


def test_a_profile_name_put_again_not_attempted_is_not_observed() -> None:
    evidence = passing_evidence()
    put_again = {"active": evidence.profile_put_again["active"]}
    found = item(
        dataclasses.replace(evidence, profile_put_again=put_again), "profile_name_put_again"
    )
    assert (found.holds, found.reason) == (None, "canceled: not attempted")


@pytest.mark.parametrize(
    ("result", "cleanup_failures", "interrupted", "code"),
    [
        ("held", [], False, 0),
        ("not_held", [], False, 1),
        ("error", [], False, 3),
        ("held", ["cleanup: x failed"], False, 3),
        ("not_held", ["cleanup: x failed"], False, 3),
        ("error", [], True, 130),
    ],
)
def test_exit_codes(result: str, cleanup_failures: list[str], interrupted: bool, code: int) -> None:
    assert record.exit_code_of(result, cleanup_failures, interrupted) == code


def test_a_not_observed_item_is_not_held() -> None:
    not_observed = [items.Item(items.ITEM_IDS[0], None, {}, "no data")]
    assert record.result_of(not_observed, None) == "not_held"
    assert record.result_of([], None) == "error"


def test_assumptions_table_has_one_row_per_item(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--list-assumptions"]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [row.split(" | ")[1] for row in rows] == [f"`{i}`" for i in items.ITEM_IDS]


def test_account_is_redacted_to_its_last_four_digits() -> None:
    assert record.redact_account("123456789012") == "********9012"


# --- against the local AWS --------------------------------------------------------------------


def script_env(tmp_path: Path, extra: dict[str, str]) -> dict[str, str]:
    """The process environment with every AWS setting replaced (never a developer's profile)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop(cli.OPT_IN_ENV, None)
    env.update(
        {
            "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            **extra,
        }
    )
    return env


def run_script(
    env: dict[str, str], *args: str, timeout: float = RUN_TIMEOUT_SECONDS
) -> tuple[int, str, str]:
    child = subprocess.Popen(
        [sys.executable, str(SCRIPT), *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        pytest.fail(f"scripts/conformance did not finish in {timeout} s:\n{err}")
    return child.returncode, out, err


@dataclass
class Shared:
    """The module's local AWS, and what existed on it when the current test started: each test
    sees only what it left behind, so "nothing is left" stays exact on a shared server (one
    server start per module instead of one per test)."""

    server: LocalAws
    before: dict[str, list[str]]

    def client(self, service: str) -> Any:
        return self.server.client(service)

    def env(self) -> dict[str, str]:
        return self.server.env()

    def profiles(self) -> list[dict[str, Any]]:
        """Signing profiles this test created (Canceled ones too)."""
        listed = self.client("signer").list_signing_profiles(includeCanceled=True)["profiles"]
        return [p for p in listed if p["profileName"] not in self.before["all_profiles"]]


@pytest.fixture(scope="module")
def server() -> Iterator[LocalAws]:
    with running_local_aws(tls=True) as started:
        yield started


@pytest.fixture
def local(server: LocalAws) -> Shared:
    return Shared(server, inventory(server))


def local_env(local: Shared, tmp_path: Path) -> dict[str, str]:
    return script_env(tmp_path, {**LOCAL_CREDENTIALS, **local.env()})


def inventory(local: Shared | Shared) -> dict[str, list[str]]:
    """What exists on the server, per kind (active_profiles: the ones not Canceled)."""
    s3, lambda_ = local.client("s3"), local.client("lambda")
    profiles = local.client("signer").list_signing_profiles(includeCanceled=True)["profiles"]
    roles = local.client("iam").list_roles()["Roles"]
    return {
        "buckets": [b["Name"] for b in s3.list_buckets().get("Buckets", [])],
        "functions": [f["FunctionName"] for f in lambda_.list_functions()["Functions"]],
        "code_signing_configs": [
            c["CodeSigningConfigArn"]
            for c in lambda_.list_code_signing_configs()["CodeSigningConfigs"]
        ],
        "layers": [layer["LayerName"] for layer in lambda_.list_layers()["Layers"]],
        "active_profiles": [p["profileName"] for p in profiles if p["status"] != "Canceled"],
        "roles": [r["RoleName"] for r in roles if r["RoleName"].startswith(recipe.NAME_PREFIX)],
        "all_profiles": [p["profileName"] for p in profiles],
    }


def leftovers(local: Shared) -> dict[str, list[str]]:
    """What this test left on the server, per kind."""
    now = inventory(local)
    del now["all_profiles"]
    return {kind: [n for n in names if n not in local.before[kind]] for kind, names in now.items()}


NOTHING_LEFT: dict[str, list[str]] = {
    "buckets": [],
    "functions": [],
    "code_signing_configs": [],
    "layers": [],
    "active_profiles": [],
    "roles": [],
}


def test_run_against_the_local_aws_records_every_item_and_cleans_up(
    local: Shared, tmp_path: Path
) -> None:
    output = tmp_path / "conformance.json"
    code, out, err = run_script(
        local_env(local, tmp_path), "--yes-create-resources", "--output", str(output)
    )
    assert code == 0, err
    assert out == ""  # stdout carries nothing; progress and the summary go to stderr
    doc = json.loads(output.read_text())
    assert doc["result"] == "held"
    assert doc["error"] is None
    assert {k: v["holds"] for k, v in doc["items"].items()} == dict.fromkeys(items.ITEM_IDS, True)
    assert doc["summary"] == {
        "held": len(items.ITEMS),
        "not_held": 0,
        "not_observed": 0,
        "expected_items": len(items.ITEMS),
    }
    for spec in items.ITEMS:
        assert doc["items"][spec.id]["assumption"] == spec.assumption
    assert doc["run"]["account"] == "********9012"
    assert doc["run"]["region"] == "us-east-1"
    assert doc["run"]["boto3_version"]
    assert doc["cleanup"] == {"performed": True, "failures": []}
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["conformance.json"]

    recorded = doc["items"]
    sha = recorded["code_sha256_equals_signed_object_sha256"]["observed"]
    for part in ("function", "published_version", "layer"):
        assert sha[part]["code_sha256"] == sha[part]["signed_object_sha256"]
        assert sha[part]["signed_object_version_id"]
    for role in ("function", "layer"):
        pattern = recorded["signed_key_pattern"]["observed"][role]
        assert pattern["relative_key"] == pattern["expected_relative_key"]
        # The local Signer signs in the zip comment and adds no entries.
        location = recorded["signature_location"]["observed"][role]
        assert location["added_entries"] == []
        assert location["signed_comment_length"] > 0
        assert location["unsigned_local_records_are_prefix"] is True
        for shape in ("describe_signing_job_shape", "list_signing_jobs_shape"):
            assert recorded[shape]["observed"][role]["signed_object_s3_has_version_id"] is False
            assert recorded[shape]["observed"][role]["missing_keys_the_verifier_reads"] == []
        gap = recorded["completed_at_vs_last_modified_seconds"]["observed"][role]
        assert gap["signed_key_versions"] == 1
        assert gap["head_object_version_id"]
    assert "isRevoked" in recorded["list_signing_jobs_shape"]["observed"]["function"]["keys"]
    signing = recorded["function_signing_fields"]["observed"]
    assert set(signing) == {"latest", "published_version", "list_versions_entry", "layers"}
    assert all(part["signing_job_arn_names_the_job"] for part in signing.values())
    layer_content = recorded["layer_version_signing_fields"]["observed"]
    assert layer_content["has_code_sha256"] is True
    assert layer_content["signing_profile_version_arn_is_the_profile_version"] is True
    put_again = recorded["profile_name_put_again"]["observed"]
    assert {state: (o["error_code"], o["http_status"]) for state, o in put_again.items()} == {
        "active": ("ValidationException", 400),
        "canceled": ("ValidationException", 400),
    }
    assert (put_again["active"]["status_after"], put_again["canceled"]["status_after"]) == (
        "Active",
        "Canceled",
    )

    assert leftovers(local) == NOTHING_LEFT
    # Both profiles were canceled, not forgotten.
    assert [p["status"] for p in local.profiles()] == ["Canceled", "Canceled"]
    total = len(items.ITEMS)
    assert err.splitlines()[-1].startswith(f"conformance: held ({total}/{total} held)")


def test_keep_leaves_everything_for_inspection(local: Shared, tmp_path: Path) -> None:
    output = tmp_path / "conformance.json"
    env = {**local_env(local, tmp_path), cli.OPT_IN_ENV: "1"}
    code, _, err = run_script(env, "--keep", "--output", str(output))
    assert code == 0, err
    doc = json.loads(output.read_text())
    assert doc["cleanup"]["performed"] is False
    # What cleanup would have done, in dependency order.
    assert [step.split(" ")[:2] for step in doc["cleanup"]["left_for_you"]] == [
        ["delete", "function"],
        ["delete", "layer"],
        ["delete", "code"],
        ["cancel", "signing"],
        ["cancel", "signing"],
        ["delete", "role"],
        ["delete", "bucket"],
    ]
    left = leftovers(local)
    # What "cleaned up" asserts above is seen here when it exists: one of each kind.
    assert {kind: len(names) for kind, names in left.items()} == dict.fromkeys(NOTHING_LEFT, 1)
    run_id = doc["run"]["run_id"]
    for kind in ("buckets", "functions", "layers", "roles"):
        assert left[kind] == [f"{recipe.NAME_PREFIX}-{run_id}"]
    assert left["active_profiles"] == [f"{recipe.NAME_PREFIX}-{run_id}".replace("-", "_")]


def _in_process(
    local: Shared, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, list[str]]:
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in local_env(local, tmp_path).items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    output = tmp_path / "conformance.json"
    return output, ["--yes-create-resources", "--output", str(output)]


def test_an_aws_error_mid_run_exits_3_still_cleans_up_and_writes_the_record(
    local: Shared,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def refuse(self: recipe.Run) -> str:
        raise ClientError(
            {"Error": {"Code": "ServiceException", "Message": "boom"}}, "PublishVersion"
        )

    monkeypatch.setattr(recipe.Run, "publish_version", refuse)
    output, args = _in_process(local, tmp_path, monkeypatch)
    assert cli.main(args) == 3
    doc = json.loads(output.read_text())
    assert doc["result"] == "error"
    assert doc["error"] == "PublishVersion ServiceException: boom"
    assert doc["items"] == {}
    assert doc["cleanup"] == {"performed": True, "failures": []}
    assert leftovers(local) == NOTHING_LEFT
    assert "error: PublishVersion ServiceException: boom" in capsys.readouterr().err.splitlines()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_mid_run_cleans_up_and_exits_130(
    signum: int, local: Shared, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = recipe.Run.create_function

    def signal_after(self: recipe.Run, *args: Any) -> None:
        original(self, *args)
        os.kill(os.getpid(), signum)

    previous_sigterm = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(recipe.Run, "create_function", signal_after)
    output, args = _in_process(local, tmp_path, monkeypatch)
    assert cli.main(args) == 130
    assert json.loads(output.read_text())["error"] == "interrupted"
    assert leftovers(local) == NOTHING_LEFT
    assert signal.getsignal(signal.SIGTERM) == previous_sigterm  # restored


def test_a_defect_still_cleans_up_and_surfaces(
    local: Shared, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def defect(evidence: evidence.Evidence) -> list[items.Item]:
        raise KeyError("Configuration")

    monkeypatch.setattr(cli, "judge", defect)
    output, args = _in_process(local, tmp_path, monkeypatch)
    with pytest.raises(KeyError):
        cli.main(args)
    assert json.loads(output.read_text())["error"] == "internal error: KeyError: 'Configuration'"
    assert leftovers(local) == NOTHING_LEFT


def test_a_failed_cleanup_step_is_one_line_keeps_the_results_and_exits_3(
    local: Shared,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def stuck(self: World, name: str) -> None:
        raise ClientError(
            {"Error": {"Code": "DeleteConflict", "Message": "still attached"}}, "DeleteRole"
        )

    monkeypatch.setattr(World, "_delete_role", stuck)
    output, args = _in_process(local, tmp_path, monkeypatch)
    assert cli.main(args) == 3
    doc = json.loads(output.read_text())
    assert doc["result"] == "held"  # the record is intact
    [failure] = doc["cleanup"]["failures"]
    assert failure.startswith("cleanup: delete role signed-lambda-conformance-")
    assert failure.endswith("failed: DeleteRole DeleteConflict: still attached")
    assert failure in capsys.readouterr().err.splitlines()
    # Every other step still ran.
    assert {k: v for k, v in leftovers(local).items() if k != "roles"} == {
        k: v for k, v in NOTHING_LEFT.items() if k != "roles"
    }
    assert len(leftovers(local)["roles"]) == 1


# --- refusals: one line, exit 2, nothing created ----------------------------------------------


def test_no_opt_in_is_refused_in_one_line(tmp_path: Path) -> None:
    env = script_env(tmp_path, dict(LOCAL_CREDENTIALS))
    output = tmp_path / "conformance.json"
    code, out, err = run_script(env, "--output", str(output), timeout=REFUSAL_TIMEOUT_SECONDS)
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        "error: conformance creates AWS resources; pass --yes-create-resources "
        "or set SIGNED_LAMBDA_CONFORMANCE=1 (use a sandbox account)"
    ]
    assert not output.exists()


def test_opt_in_env_must_be_exactly_1(tmp_path: Path) -> None:
    env = script_env(tmp_path, {**LOCAL_CREDENTIALS, cli.OPT_IN_ENV: "yes"})
    code, _, err = run_script(env, timeout=REFUSAL_TIMEOUT_SECONDS)
    assert code == 2
    assert err.startswith("error: conformance creates AWS resources")


def test_no_credentials_is_refused_in_one_line(tmp_path: Path) -> None:
    env = script_env(tmp_path, {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"})
    output = tmp_path / "conformance.json"
    code, out, err = run_script(
        env, "--yes-create-resources", "--output", str(output), timeout=REFUSAL_TIMEOUT_SECONDS
    )
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        "error: no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) "
        "for a sandbox account"
    ]
    assert not output.exists()


def test_credentials_sts_refuses_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class RefusingSts:
        def get_caller_identity(self) -> dict[str, Any]:
            raise ClientError(
                {"Error": {"Code": "InvalidClientTokenId", "Message": "The token is invalid."}},
                "GetCallerIdentity",
            )

    for name, value in script_env(tmp_path, dict(LOCAL_CREDENTIALS)).items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setattr(boto3.session.Session, "client", lambda self, name, **_: RefusingSts())
    output = tmp_path / "conformance.json"
    assert cli.main(["--yes-create-resources", "--output", str(output)]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "error: the AWS credentials were refused: "
        "GetCallerIdentity InvalidClientTokenId: The token is invalid."
    ]
    assert not output.exists()


def test_no_region_is_refused_in_one_line(tmp_path: Path) -> None:
    env = script_env(tmp_path, {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    code, _, err = run_script(env, "--yes-create-resources", timeout=REFUSAL_TIMEOUT_SECONDS)
    assert code == 2
    assert err.splitlines() == [
        "error: no AWS region: set AWS_REGION (and AWS_DEFAULT_REGION) or a profile"
    ]

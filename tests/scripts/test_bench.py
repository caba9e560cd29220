"""The pure helpers of scripts/bench.py (``make bench`` itself runs the local AWS)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

import bench  # scripts/ is on sys.path (tests/conftest.py)
import pytest

from localaws.world import Clients, Deployment, Function, Profile, SignedArtifact, World
from verifier.contract.targets import load_outputs


def test_package_is_a_stored_zip_of_the_requested_size() -> None:
    package = bench.make_package(bench.MB, seed=1)
    assert bench.MB - 1024 <= len(package) <= bench.MB
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert archive.testzip() is None
        assert {i.filename for i in archive.infolist()} == {"index.py", "payload.bin"}
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    # Incompressible: the size is real, not something a compressing transport could shrink.
    assert len(zlib.compress(package)) > 0.99 * len(package)


def test_package_is_deterministic_per_seed() -> None:
    assert bench.make_package(4096, seed=7) == bench.make_package(4096, seed=7)
    assert bench.make_package(4096, seed=7) != bench.make_package(4096, seed=8)


def test_spread() -> None:
    result = bench.spread([0.9, 0.7, 1.1, 0.8])
    assert (result.median, result.minimum, result.maximum) == (pytest.approx(0.85), 0.7, 1.1)
    with pytest.raises(ValueError):
        bench.spread([])


def test_call_split_separates_shared_from_per_function_requests() -> None:
    split = bench.CallSplit(one=10, many=38, functions=5)
    assert split.per_function == 7
    assert split.shared == 3
    assert split.average == pytest.approx(7.6)


def test_split_operations() -> None:
    one = {"lambda.GetFunction": 1, "signer.GetSigningProfile": 1, "s3.GetObject": 1}
    many = {"lambda.GetFunction": 3, "signer.GetSigningProfile": 1, "s3.GetObject": 3}
    assert bench.split_operations(one, many, 3) == (
        ["lambda.GetFunction", "s3.GetObject"],
        ["signer.GetSigningProfile"],
    )


def test_outputs_are_what_the_verifier_reads(tmp_path: Path) -> None:
    """The bench writes its outputs and lock through the contract module; the verifier reads
    them back as the deployment that was built (built here by hand: no AWS is called)."""
    clients = Clients.for_endpoint("https://127.0.0.1:1")
    world = World(clients, bucket="bench-artifacts-0f6ea9a1", role_arn="arn:aws:iam::1:role/r")
    job_id = "0f6ea9a1-1111-2222-3333-444455556666"
    package = bench.make_package(4096, seed=1)
    spec = bench.function_spec("fn", package, "0f6ea9a1")
    job = {
        "jobId": job_id,
        "source": {"s3": {"bucketName": world.bucket, "key": spec.unsigned_key, "version": "v1"}},
        "signedObject": {"s3": {"bucketName": world.bucket, "key": f"signed/fn/{job_id}.zip"}},
    }
    function = Function(
        name="bench-fn-0f6ea9a1",
        arn="arn:aws:lambda:us-east-1:123456789012:function:bench-fn-0f6ea9a1",
        code_sha256="unused",
        artifact=SignedArtifact(job),
        signing_job_arn=None,
    )
    profile = Profile(
        "bench_0f6ea9a1",
        "abc",
        "arn:aws:signer:us-east-1:123456789012:/signing-profiles/bench_0f6ea9a1/abc",
    )
    deployment = Deployment(
        world=world,
        profile=profile,
        csc_arn="arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdefg",
        policy="Enforce",
        layers=(),
        functions=(function,),
    )
    path = bench.outputs_of(deployment, {"fn": spec}, tmp_path / "outputs.json")
    selection = load_outputs(path, stack=None, region_flag=None)
    [entry] = selection.manifest.functions
    assert (entry.key, entry.function_name, entry.signing_job_id) == ("fn", function.name, job_id)
    assert (entry.unsigned_key, entry.unsigned_version) == ("unsigned/fn/package.zip", "v1")
    assert entry.signed_key == f"signed/fn/{job_id}.zip"
    assert entry.package_sha256 == hashlib.sha256(package).hexdigest()
    assert selection.manifest.signing_profile_version_arn == profile.version_arn
    assert selection.manifest.expected_policy == "Enforce"
    lock = json.loads(bench.lock_path(path).read_text())["stacks"][bench.STACK]
    assert lock["signing_profile_version_arns"] == [profile.version_arn]


def test_verifier_env_replaces_every_aws_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = bench.verifier_env({"AWS_ENDPOINT_URL": "https://127.0.0.1:1"}, tmp_path)
    assert "AWS_PROFILE" not in env
    assert "AWS_MAX_ATTEMPTS" not in env
    assert env["AWS_ENDPOINT_URL"] == "https://127.0.0.1:1"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_CONFIG_FILE"] == str(tmp_path / "empty-aws-config")
    # Bytecode is cached, in the scratch directory (never in the source tree).
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PYTHONPYCACHEPREFIX"] == str(tmp_path / "pycache")


def _results(median: float, large_kib: float) -> dict[str, Any]:
    def spread(value: float) -> dict[str, Any]:
        return {"median": value, "minimum": value, "maximum": value, "samples": [value] * 10}

    return {
        "machine": "2 CPUs",
        "date": "2026-01-01 00:00 UTC",
        "wall_time": spread(median),
        "startup_wall_time": spread(0.3),
        "large_wall_time": spread(1.0),
        "fleet_wall_time": spread(1.2),
        "calls": {"one": 10, "many": 38, "functions": 5},
        "memory": {"small_kib": 60000, "large_kib": large_kib},
        "realistic": {"latency_ms": 20, "requests": 10, "wall_time": spread(0.9)},
    }


def test_table_reports_met_targets() -> None:
    table = bench.render_table(_results(0.7, 61000))
    assert "missed" not in table
    assert "**0.70 s**" in table
    assert "+1.7% vs 1 MB" in table


def test_table_reports_missed_targets_without_failing() -> None:
    table = bench.render_table(_results(1.3, 70000))
    rows = [line for line in table.splitlines() if "missed" in line]
    assert len(rows) == 2
    assert "1 MB package (median" in rows[0]
    assert "50 MB package" in rows[1]


def test_setup_failure_is_one_line_and_nonzero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail(runs: int, scratch: Path) -> dict[str, Any]:
        raise bench.BenchError("verify of single.json exited 1 (result 'fail'): boom")

    monkeypatch.setattr(bench, "bench", fail)
    assert bench.main(["--json", str(tmp_path / "bench.json")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "error: bench: verify of single.json exited 1 (result 'fail'): boom"
    ]
    assert not (tmp_path / "bench.json").exists()

"""The collector against stubbed clients (evidence shape, read-only calls, caching, Missing vs
Unavailable) and its preflight against real local sockets (TLS, unreachable, plain HTTP against
HTTPS, rejected credentials). Nothing leaves the machine."""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from localaws.tls import ensure_tls_files
from tests.conftest import isolate_from_aws
from tests.verifier import builders as b
from tests.verifier.aws_stubs import READ_PREFIXES, Stubs, configuration, session
from verifier.checks import run_checks
from verifier.collect import Collector
from verifier.errors import CollectionError
from verifier.model import (
    FunctionEvidence,
    Missing,
    ProvenanceEvidence,
    PublishedEvidence,
    SignedObjectEvidence,
    SigningJobEvidence,
    Status,
    Unavailable,
)
from verifier.package import build_package


def recording_session(calls: list[str]) -> Any:
    """A session whose before-call hook records every operation and fails on a write."""

    def record(model: Any, **kwargs: Any) -> None:
        calls.append(model.name)
        if not model.name.startswith(READ_PREFIXES):
            pytest.fail(f"the collector called a non-read operation: {model.name}")

    aws = session()
    aws.events.register("before-call.*.*", record)
    return aws


# --- a full collect ------------------------------------------------------------------------


def test_full_collect_rebuilds_the_builders_evidence() -> None:
    collector = Collector(session(), region=b.REGION, workers=1)
    with Stubs(collector) as stubs:
        stubs.good_deployment()
        evidence = collector.collect(b.target())
        stubs.assert_all_used()
    assert evidence == b.evidence(provenance=None)
    findings = run_checks([evidence], b.context())
    assert {(f.check_id, f.status) for f in findings if f.status is not Status.PASS} == {
        ("source.provenance", Status.WARN)  # no --source checkout given
    }


def test_collect_makes_only_read_calls_each_once() -> None:
    calls: list[str] = []
    collector = Collector(recording_session(calls), region=b.REGION, workers=1)
    with Stubs(collector) as stubs:
        stubs.good_deployment()
        collector.collect(b.target())
        stubs.assert_all_used()
    assert Counter(calls) == {
        "DescribeSigningJob": 2,  # the function's job and the layer's
        "GetSigningProfile": 1,
        "GetFunction": 1,
        "GetFunctionCodeSigningConfig": 1,
        "GetCodeSigningConfig": 1,
        "ListVersionsByFunction": 1,
        "ListAliases": 1,
        "GetLayerVersion": 1,
        "GetBucketVersioning": 1,
        "ListObjectVersions": 2,  # the function's signed object and the layer's
        "GetObject": 2,
    }


def test_shared_resources_are_fetched_once_across_targets() -> None:
    """Two functions from the same build and layer: only the per-function calls repeat."""
    calls: list[str] = []
    collector = Collector(recording_session(calls), region=b.REGION, workers=1)
    world = b.target(key="world", function_name="signed-lambda-world")
    with Stubs(collector) as stubs:
        stubs.good_deployment()
        stubs.function("signed-lambda-world")
        stubs.published("signed-lambda-world")
        first = collector.collect(b.target())
        second = collector.collect(world)
        stubs.assert_all_used()
    counted = Counter(calls)
    for shared in (
        "GetSigningProfile",
        "GetCodeSigningConfig",
        "GetBucketVersioning",
        "GetLayerVersion",
    ):
        assert counted[shared] == 1, shared
    assert counted["DescribeSigningJob"] == 2  # one per job, not per function
    assert counted["ListObjectVersions"] == 2 and counted["GetObject"] == 2
    for per_function in ("GetFunction", "GetFunctionCodeSigningConfig", "ListVersionsByFunction"):
        assert counted[per_function] == 2, per_function
    assert second.jobs == first.jobs and second.layer_versions == first.layer_versions
    assert second.signed_objects == first.signed_objects


def test_a_version_built_by_another_job_adds_that_job_and_object_once() -> None:
    calls: list[str] = []
    collector = Collector(recording_session(calls), region=b.REGION, workers=1)
    earlier = b.earlier_version("2")
    with Stubs(collector) as stubs:
        stubs.job()
        stubs.profile()
        stubs.function()
        stubs.csc()
        stubs.lambda_.add_response(
            "list_versions_by_function",
            {"Versions": [configuration(b.function()), configuration(earlier)]},
            {"FunctionName": b.FUNCTION_NAME},
        )
        stubs.lambda_.add_response(
            "list_aliases", {"Aliases": []}, {"FunctionName": b.FUNCTION_NAME}
        )
        stubs.layer_version()
        stubs.bucket()
        stubs.signed_object()
        # Jobs in order: the target's (cached), each code path's, each layer's.
        stubs.job(b.earlier_job())
        stubs.job(b.layer_job())
        stubs.signed_object(
            b.EARLIER_PACKAGE, key=b.EARLIER_SIGNED_KEY, version=b.EARLIER_SIGNED_VERSION
        )
        stubs.layer_signed_object()
        evidence = collector.collect(b.target())
        stubs.assert_all_used()
    assert isinstance(evidence.published, PublishedEvidence)
    assert evidence.published.versions == (earlier,)
    assert set(evidence.jobs) == {b.JOB_ID, b.LAYER_JOB_ID, b.EARLIER_JOB_ID}
    assert evidence.jobs[b.EARLIER_JOB_ID] == b.earlier_job()
    obj = evidence.signed_objects[(b.BUCKET, b.EARLIER_SIGNED_KEY)]
    assert isinstance(obj, SignedObjectEvidence) and obj.signed_sha256 == b.EARLIER_SHA256
    assert Counter(calls)["GetSigningProfile"] == 1  # the same profile signed all three


def test_source_provenance_rebuilds_the_checkout_and_hashes_what_the_jobs_read(
    tmp_path: Path,
) -> None:
    checkout = tmp_path / "checkout"
    for source_dir, name in ((b.SOURCE_DIR, "handler.py"), (b.LAYER_SOURCE_DIR, "util.py")):
        (checkout / source_dir).mkdir(parents=True)
        (checkout / source_dir / name).write_text(f"# {name}\n")
    packages = {
        what: build_package(checkout / source_dir, tmp_path / f"{what}.zip").path.read_bytes()
        for what, source_dir in (("function", b.SOURCE_DIR), ("layer", b.LAYER_SOURCE_DIR))
    }
    # The checkout's function source was edited after the deploy: the job read other bytes.
    packages["function"] = b"PK the bytes deployed before the edit"
    collector = Collector(session(), region=b.REGION, workers=1)
    with Stubs(collector) as stubs:
        stubs.good_deployment(source=packages)
        evidence = collector.collect(b.target(source_root=checkout))
        stubs.assert_all_used()
    assert evidence.provenance is not None
    function_item, layer_item = evidence.provenance
    assert isinstance(function_item, ProvenanceEvidence)
    assert isinstance(layer_item, ProvenanceEvidence)
    assert (function_item.what, layer_item.what) == ("function hello", "layer shared")
    assert function_item.built_sha256 != function_item.signed_source_sha256
    assert layer_item.built_sha256 == layer_item.signed_source_sha256
    assert layer_item.signed_source_sha256 == hashlib.sha256(packages["layer"]).hexdigest()


def test_large_object_is_hashed_in_chunks() -> None:
    data = bytes(range(256)) * (3 * 4096 + 7)  # ~3 MiB, not a multiple of the chunk size
    collector = Collector(session(), region=b.REGION, workers=1)
    with Stubs(collector) as stubs:
        stubs.signed_object(data)
        evidence = collector.signed_object(b.BUCKET, b.SIGNED_KEY)
    assert isinstance(evidence, SignedObjectEvidence)
    expected = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert evidence.sha256_by_version == {b.SIGNED_VERSION: expected}


def test_overwritten_key_hashes_the_signed_version_first() -> None:
    collector = Collector(session(), region=b.REGION, workers=1)
    newer = b.COMPLETED_AT.replace(year=2027)
    with Stubs(collector) as stubs:
        stubs.s3.add_response(
            "list_object_versions",
            {
                "Versions": [
                    {
                        "Key": b.SIGNED_KEY,
                        "VersionId": "evil",
                        "IsLatest": True,
                        "LastModified": newer,
                    },
                    {
                        "Key": b.SIGNED_KEY,
                        "VersionId": b.SIGNED_VERSION,
                        "IsLatest": False,
                        "LastModified": b.COMPLETED_AT,
                    },
                ]
            },
            {"Bucket": b.BUCKET, "Prefix": b.SIGNED_KEY},
        )
        for version, data in ((b.SIGNED_VERSION, b.PACKAGE), ("evil", b"evil")):
            stubs.object_version(b.SIGNED_KEY, version, data)
        evidence = collector.signed_object(b.BUCKET, b.SIGNED_KEY)
        stubs.assert_all_used()
    assert isinstance(evidence, SignedObjectEvidence)
    assert [v.version_id for v in evidence.versions] == ["evil", b.SIGNED_VERSION]
    assert evidence.signed_version == b.SIGNED_VERSION
    assert evidence.sha256_by_version == {
        b.SIGNED_VERSION: b.PACKAGE_SHA256,
        "evil": b.TAMPERED_SHA256,
    }


# --- Missing vs Unavailable ------------------------------------------------------------------

Fetch = Callable[[Collector], object]

# (case, client, operation, error code, HTTP status, the collector call, what it must return)
ERRORS: list[tuple[str, str, str, str, int, Fetch, object]] = [
    (
        "function not found",
        "lambda_",
        "get_function",
        "ResourceNotFoundException",
        404,
        lambda c: c.function(b.FUNCTION_NAME),
        Missing("function", b.FUNCTION_NAME),
    ),
    (
        "job not found",
        "signer",
        "describe_signing_job",
        "ResourceNotFoundException",
        404,
        lambda c: c.signing_job(b.JOB_ID),
        Missing("signing job", b.JOB_ID),
    ),
    (
        "profile not found",
        "signer",
        "get_signing_profile",
        "ResourceNotFoundException",
        404,
        lambda c: c.profile(b.PROFILE_NAME),
        Missing("signing profile", b.PROFILE_NAME),
    ),
    (
        "CSC not found",
        "lambda_",
        "get_code_signing_config",
        "ResourceNotFoundException",
        404,
        lambda c: c.csc(b.CSC_ARN),
        Missing("code signing config", b.CSC_ARN),
    ),
    (
        "layer version not found",
        "lambda_",
        "get_layer_version",
        "ResourceNotFoundException",
        404,
        lambda c: c.layer_version(b.LAYER_VERSION_ARN),
        Missing("layer version", b.LAYER_VERSION_ARN),
    ),
    (
        "bucket not found",
        "s3",
        "get_bucket_versioning",
        "NoSuchBucket",
        404,
        lambda c: c.bucket_versioning(b.BUCKET),
        Missing("bucket", b.BUCKET),
    ),
    (
        "unsigned object version not found",
        "s3",
        "get_object",
        "NoSuchVersion",
        404,
        lambda c: c.source_sha256(b.BUCKET, b.UNSIGNED_KEY, b.UNSIGNED_VERSION),
        Missing(
            "unsigned object version",
            f"s3://{b.BUCKET}/{b.UNSIGNED_KEY}?versionId={b.UNSIGNED_VERSION}",
        ),
    ),
    (
        "function access denied",
        "lambda_",
        "get_function",
        "AccessDeniedException",
        403,
        lambda c: c.function(b.FUNCTION_NAME),
        Unavailable("GetFunction", "AccessDeniedException: boom", "AccessDeniedException"),
    ),
    (
        "profile throttled after retries",
        "signer",
        "get_signing_profile",
        "TooManyRequestsException",
        429,
        lambda c: c.profile(b.PROFILE_NAME),
        Unavailable(
            "GetSigningProfile", "TooManyRequestsException: boom", "TooManyRequestsException"
        ),
    ),
    (
        "layer access denied",
        "lambda_",
        "get_layer_version",
        "AccessDeniedException",
        403,
        lambda c: c.layer_version(b.LAYER_VERSION_ARN),
        Unavailable("GetLayerVersion", "AccessDeniedException: boom", "AccessDeniedException"),
    ),
    (
        "objects access denied",
        "s3",
        "list_object_versions",
        "AccessDenied",
        403,
        lambda c: c.signed_object(b.BUCKET, b.SIGNED_KEY),
        Unavailable("ListObjectVersions/GetObject", "AccessDenied: boom", "AccessDenied"),
    ),
    (
        "service unavailable",
        "lambda_",
        "get_code_signing_config",
        "ServiceException",
        500,
        lambda c: c.csc(b.CSC_ARN),
        Unavailable("GetCodeSigningConfig", "ServiceException: boom", "ServiceException"),
    ),
]


@pytest.mark.parametrize(
    ("client", "operation", "code", "status", "fetch", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in ERRORS],
)
def test_errors_map_to_missing_or_unavailable(
    client: str, operation: str, code: str, status: int, fetch: Fetch, expected: object
) -> None:
    collector = Collector(session(), region=b.REGION, workers=1)
    with Stubs(collector) as stubs:
        getattr(stubs, client).add_client_error(operation, code, "boom", http_status_code=status)
        assert fetch(collector) == expected
        stubs.assert_all_used()


def test_empty_version_listing_is_a_missing_signed_object() -> None:
    collector = Collector(session(), region=b.REGION, workers=1)
    with Stubs(collector) as stubs:
        stubs.s3.add_response(
            "list_object_versions", {}, {"Bucket": b.BUCKET, "Prefix": b.SIGNED_KEY}
        )
        evidence = collector.signed_object(b.BUCKET, b.SIGNED_KEY)
    assert evidence == Missing("signed object", f"s3://{b.BUCKET}/{b.SIGNED_KEY}")


def test_a_failed_shared_call_is_not_retried_for_the_next_target() -> None:
    """The cache keeps the Unavailable answer: the report says so once, not a flood of calls."""
    collector = Collector(session(), region=b.REGION, workers=1)
    with Stubs(collector) as stubs:
        stubs.signer.add_client_error("get_signing_profile", "AccessDeniedException", "no", 403)
        first = collector.profile(b.PROFILE_NAME)
        second = collector.profile(b.PROFILE_NAME)
        stubs.assert_all_used()
    assert isinstance(first, Unavailable) and second is first


def test_missing_function_skips_its_dependent_calls() -> None:
    collector = Collector(session(), region=b.REGION, workers=1)
    with Stubs(collector) as stubs:
        stubs.job()
        stubs.profile()
        stubs.lambda_.add_client_error("get_function", "ResourceNotFoundException", "gone", 404)
        stubs.csc()
        stubs.bucket()
        stubs.signed_object()
        evidence = collector.collect(b.target())
        stubs.assert_all_used()
    assert isinstance(evidence.function, Missing)
    assert evidence.function_csc is None and evidence.published is None
    assert evidence.layer_versions == {}
    assert isinstance(evidence.job, SigningJobEvidence)


@pytest.mark.parametrize("code", ["UnrecognizedClientException", "ExpiredTokenException"])
def test_rejected_credentials_stop_the_run(code: str) -> None:
    collector = Collector(session(), region=b.REGION, workers=1)
    with Stubs(collector) as stubs:
        stubs.lambda_.add_client_error("get_function", code, "bad token", http_status_code=403)
        with pytest.raises(CollectionError) as raised:
            collector.function(b.FUNCTION_NAME)
    assert raised.value.exit_code == 3
    assert code in raised.value.diagnostics()


def test_function_reads_handler_runtime_architectures_environment_layers() -> None:
    collector = Collector(session(), region=b.REGION, workers=1)
    with Stubs(collector) as stubs:
        stubs.function()
        evidence = collector.function(b.FUNCTION_NAME)
    assert isinstance(evidence, FunctionEvidence)
    assert (evidence.handler, evidence.runtime, evidence.architectures) == (
        b.HANDLER,
        b.RUNTIME,
        b.ARCHITECTURES,
    )
    assert evidence.environment == (("LOG_LEVEL", "debug"),)
    assert evidence.layers == (b.layer_ref(),)


def test_profile_revocation_record_is_read() -> None:
    effective = b.COMPLETED_AT + timedelta(hours=1)
    collector = Collector(session(), region=b.REGION, workers=1)
    with Stubs(collector) as stubs:
        stubs.profile(
            status="Revoked",
            revocationRecord={
                "revocationEffectiveFrom": effective,
                "revokedAt": b.NOW,
                "revokedBy": "admin",
            },
        )
        evidence = collector.profile(b.PROFILE_NAME)
    assert evidence == b.profile(
        status="Revoked", revocation_effective_from=effective, revoked_at=b.NOW
    )


def test_weighted_alias_is_read_with_its_weights() -> None:
    collector = Collector(session(), region=b.REGION, workers=1)
    with Stubs(collector) as stubs:
        stubs.lambda_.add_response(
            "list_versions_by_function", {"Versions": []}, {"FunctionName": b.FUNCTION_NAME}
        )
        stubs.lambda_.add_response(
            "list_aliases",
            {
                "Aliases": [
                    {
                        "Name": "canary",
                        "FunctionVersion": "1",
                        "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.1}},
                    }
                ]
            },
            {"FunctionName": b.FUNCTION_NAME},
        )
        evidence = collector.published(b.FUNCTION_NAME)
    assert isinstance(evidence, PublishedEvidence)
    (alias,) = evidence.aliases
    assert alias.routes == (("1", None), ("2", 0.1))


def test_malformed_response_is_unavailable_not_a_crash() -> None:
    collector = Collector(session(), region=b.REGION, workers=1)
    with Stubs(collector) as stubs:
        # Valid per the model (nothing required), but without the configuration we read.
        stubs.lambda_.add_response("get_function", {}, {"FunctionName": b.FUNCTION_NAME})
        evidence = collector.function(b.FUNCTION_NAME)
    assert isinstance(evidence, Unavailable)
    assert "unexpected response" in evidence.reason


# --- preflight against real local sockets -----------------------------------------------------


@pytest.fixture
def no_aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_from_aws(monkeypatch, tmp_path)


Answer = tuple[int, dict[str, str], bytes]


class _Handler(http.server.BaseHTTPRequestHandler):
    answer: Answer = (200, {}, b"{}")

    def _reply(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        status, headers, payload = self.answer
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(payload))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _reply

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local_server(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start a loopback HTTP(S) server answering every request with one canned response."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(answer: Answer = (200, {}, b"{}"), *, tls: bool = False) -> str:
        handler = type("Handler", (_Handler,), {"answer": answer})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if tls:
            files = ensure_tls_files(tmp_path / "tls")
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(files.server_cert, files.server_key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()
        servers.append(server)
        return f"127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def preflight(endpoint: str, monkeypatch: pytest.MonkeyPatch, *, credentials: bool = True) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    Collector(session(credentials=credentials), region=b.REGION).preflight(b.CSC_ARN)


def one_line(error: CollectionError) -> str:
    line = error.diagnostics()
    assert "\n" not in line
    assert error.exit_code == 3
    return line


def test_preflight_unreachable_endpoint(
    no_aws_config: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CollectionError) as raised:
        preflight(f"http://127.0.0.1:{port}", monkeypatch)
    line = one_line(raised.value)
    assert f"cannot reach http://127.0.0.1:{port}" in line
    assert "use https://" in line  # the hint for an http:// endpoint


def test_preflight_untrusted_tls_certificate(
    no_aws_config: None, monkeypatch: pytest.MonkeyPatch, local_server: Callable[..., str]
) -> None:
    address = local_server(tls=True)
    with pytest.raises(CollectionError) as raised:
        preflight(f"https://{address}", monkeypatch)
    line = one_line(raised.value)
    assert f"cannot reach https://{address}: TLS verification failed" in line
    assert "AWS_CA_BUNDLE" in line


def test_preflight_trusted_private_ca_passes(
    no_aws_config: None,
    monkeypatch: pytest.MonkeyPatch,
    local_server: Callable[..., str],
    tmp_path: Path,
) -> None:
    not_found = json.dumps({"message": "no such CSC"}).encode()
    headers = {"x-amzn-ErrorType": "ResourceNotFoundException", "Content-Type": "application/json"}
    address = local_server((404, headers, not_found), tls=True)
    monkeypatch.setenv("AWS_CA_BUNDLE", str(ensure_tls_files(tmp_path / "tls").ca_cert))
    # A not-found answer proves the endpoint, TLS and credentials work: no error.
    preflight(f"https://{address}", monkeypatch)


def test_preflight_plain_http_against_https(
    no_aws_config: None, monkeypatch: pytest.MonkeyPatch, local_server: Callable[..., str]
) -> None:
    address = local_server(tls=True)
    with pytest.raises(CollectionError) as raised:
        preflight(f"http://{address}", monkeypatch)
    line = one_line(raised.value)
    assert f"cannot reach http://{address}" in line
    assert f"use https://{address}" in line


def test_preflight_rejected_credentials(
    no_aws_config: None, monkeypatch: pytest.MonkeyPatch, local_server: Callable[..., str]
) -> None:
    payload = json.dumps({"message": "The security token included in the request is invalid."})
    headers = {
        "x-amzn-ErrorType": "UnrecognizedClientException",
        "Content-Type": "application/json",
    }
    address = local_server((403, headers, payload.encode()))
    with pytest.raises(CollectionError) as raised:
        preflight(f"http://{address}", monkeypatch)
    line = one_line(raised.value)
    assert "AWS rejected the credentials: UnrecognizedClientException" in line
    assert "security token" in line


def test_preflight_access_denied_is_left_to_the_checks(
    no_aws_config: None, monkeypatch: pytest.MonkeyPatch, local_server: Callable[..., str]
) -> None:
    headers = {"x-amzn-ErrorType": "AccessDeniedException", "Content-Type": "application/json"}
    address = local_server((403, headers, b'{"message": "not authorized"}'))
    preflight(f"http://{address}", monkeypatch)  # the endpoint answered: no CollectionError


def test_preflight_without_credentials(
    no_aws_config: None, monkeypatch: pytest.MonkeyPatch, local_server: Callable[..., str]
) -> None:
    address = local_server()
    with pytest.raises(CollectionError) as raised:
        preflight(f"http://{address}", monkeypatch, credentials=False)
    line = one_line(raised.value)
    assert "no AWS credentials" in line and "AWS_PROFILE" in line


def test_preflight_not_an_aws_endpoint(
    no_aws_config: None, monkeypatch: pytest.MonkeyPatch, local_server: Callable[..., str]
) -> None:
    address = local_server((200, {"Content-Type": "text/html"}, b"<html>a router page</html>"))
    with pytest.raises(CollectionError) as raised:
        preflight(f"http://{address}", monkeypatch)
    line = one_line(raised.value)
    assert f"cannot reach http://{address}: the response is not an AWS API response" in line

"""The access layer both collectors read through (verifier.collect.aws): one call's failures
sorted into Missing, Unavailable or a run-stopping CollectionError; streamed hashing through the
hash cache; and the run's first, retry-free call (the targeted collector's preflight) against
real local sockets: TLS, unreachable, plain HTTP against HTTPS, rejected credentials. Nothing
leaves the machine."""

from __future__ import annotations

import http.server
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from localaws.tls import ensure_tls_files
from tests.conftest import isolate_from_aws
from tests.verifier import builders as b
from tests.verifier.aws_stubs import CODE_SIGNING_CONFIG, Stubs, body, session
from verifier.collect.aws import AwsReader, concurrently, https_hint
from verifier.collect.cache import HashCache
from verifier.collect.targeted import TargetedCollector
from verifier.errors import CollectionError, InputError
from verifier.evidence.model import Missing, Unavailable
from verifier.evidence.parse import ResponseError


def reader(**kwargs: Any) -> AwsReader:
    return AwsReader(session(), region=b.REGION, max_attempts=1, **kwargs)


def client_error(code: str, status: int, operation: str = "GetFunction") -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": "boom"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )


def failing(error: Exception) -> Callable[[], Any]:
    def fetch() -> Any:
        raise error

    return fetch


# --- one call, its failure sorted ------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (client_error("ResourceNotFoundException", 404), Missing("function", "f")),
        (client_error("NoSuchKey", 404), Missing("function", "f")),
        (
            client_error("AccessDeniedException", 403),
            Unavailable("GetFunction", "AccessDeniedException: boom", "AccessDeniedException"),
        ),
        (
            ReadTimeoutError(endpoint_url="https://lambda"),
            Unavailable("GetFunction", 'Read timeout on endpoint URL: "https://lambda"'),
        ),
        (
            ResponseError("GetFunction.Configuration", "CodeSha256 is missing"),
            Unavailable(
                "GetFunction",
                "unexpected response: GetFunction.Configuration: CodeSha256 is missing",
            ),
        ),
        (
            InputError("arn:x: not a layer version ARN"),
            Unavailable("GetFunction", "arn:x: not a layer version ARN"),
        ),
    ],
    ids=["not-found", "no-such-key", "denied", "timeout", "malformed-response", "bad-argument"],
)
def test_a_failed_call_is_evidence_never_an_exception(error: Exception, expected: object) -> None:
    assert reader().call("GetFunction", "function", "f", failing(error)) == expected


def test_a_404_get_object_is_missing_whatever_its_code() -> None:
    """S3's GetObject on a missing version answers a bare 404 (HEAD-like, no error code)."""
    found = reader().call(
        "GetObject", "unsigned object version", "s3://b/k", failing(client_error("403", 404))
    )
    assert found == Missing("unsigned object version", "s3://b/k")


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (NoCredentialsError(), "no AWS credentials"),
        (EndpointConnectionError(endpoint_url="https://lambda"), "cannot reach AWS"),
        (client_error("ExpiredTokenException", 403), "AWS rejected the credentials on GetFunction"),
    ],
    ids=["no-credentials", "unreachable", "expired-token"],
)
def test_what_breaks_every_call_stops_the_run(error: Exception, words: str) -> None:
    with pytest.raises(CollectionError) as raised:
        reader().call("GetFunction", "function", "f", failing(error))
    assert words in raised.value.diagnostics()
    assert raised.value.exit_code == 3


# --- hashing ----------------------------------------------------------------------------------


def test_hashing_streams_through_the_cache(tmp_path: Path) -> None:
    cache = HashCache(tmp_path)
    aws = reader(cache=cache)
    with Stubs(aws) as stubs:
        stubs.object_version(b.SIGNED_KEY, b.SIGNED_VERSION, b.PACKAGE)
        first = aws.hash_object(b.BUCKET, b.SIGNED_KEY, b.SIGNED_VERSION)
        # The second time it comes from the cache: no GetObject is queued for it.
        second = aws.hash_object(b.BUCKET, b.SIGNED_KEY, b.SIGNED_VERSION)
        stubs.assert_all_used()
    assert first == second == b.PACKAGE_SHA256
    assert (cache.misses, cache.hits) == (1, 1)


def test_the_unsigned_source_is_hashed_hex_and_never_cached(tmp_path: Path) -> None:
    cache = HashCache(tmp_path)
    aws = reader(cache=cache)
    with Stubs(aws) as stubs:
        stubs.object_version(b.UNSIGNED_KEY, b.UNSIGNED_VERSION, b.UNSIGNED_PACKAGE)
        found = aws.hash_object(b.BUCKET, b.UNSIGNED_KEY, b.UNSIGNED_VERSION, encode=False)
        stubs.assert_all_used()
    assert found == b.SOURCE_SHA256_HEX
    assert cache.get(b.BUCKET, b.UNSIGNED_KEY, b.UNSIGNED_VERSION) is None


def test_hash_latest_reads_the_version_id_from_the_response(tmp_path: Path) -> None:
    aws = reader(cache=HashCache(tmp_path))
    with Stubs(aws) as stubs:
        stubs.s3.add_response(
            "get_object",
            {"Body": body(b.PACKAGE), "VersionId": b.SIGNED_VERSION},
            {"Bucket": b.BUCKET, "Key": b.SIGNED_KEY},
        )
        found = aws.hash_latest(b.BUCKET, b.SIGNED_KEY)
    assert found == (b.SIGNED_VERSION, b.PACKAGE_SHA256)
    assert aws.cache.get(b.BUCKET, b.SIGNED_KEY, b.SIGNED_VERSION) == b.PACKAGE_SHA256


def test_concurrently_keeps_each_key_once_and_in_order() -> None:
    seen: list[int] = []

    def fetch(key: int) -> int:
        seen.append(key)
        return key * key

    assert list(concurrently(fetch, [3, 1, 3, 2], workers=1).items()) == [(3, 9), (1, 1), (2, 4)]
    assert seen == [3, 1, 2]
    assert concurrently(fetch, range(20), workers=4) == {k: k * k for k in range(20)}


def test_https_hint_only_for_plain_http() -> None:
    assert (
        https_hint("http://127.0.0.1:4566")
        == "if the endpoint serves HTTPS, use https://127.0.0.1:4566"
    )
    assert https_hint("https://127.0.0.1:4566") is None


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
    TargetedCollector(session(credentials=credentials), region=b.REGION).preflight(b.CSC_ARN)


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


def test_preflight_answer_is_the_runs_evidence(
    no_aws_config: None, monkeypatch: pytest.MonkeyPatch, local_server: Callable[..., str]
) -> None:
    """The first call's answer is kept: the CSC is not asked for twice."""
    answer = {"CodeSigningConfig": CODE_SIGNING_CONFIG}
    address = local_server((200, {"Content-Type": "application/json"}, json.dumps(answer).encode()))
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{address}")
    collector = TargetedCollector(session(), region=b.REGION)
    collector.preflight(b.CSC_ARN)
    calls: list[str] = []
    collector.aws.lambda_.meta.events.register(
        "before-call.*.*", lambda model, **kwargs: calls.append(model.name)
    )
    assert collector.reads.csc(b.CSC_ARN) == b.csc()
    assert calls == []

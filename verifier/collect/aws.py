"""The one AWS access layer both collectors read through: read-only calls, nothing else.

- clients for one session and Region (Lambda, Signer, Signer's data plane, S3), with adaptive
  retries, optionally hooked to a rate budget (:mod:`verifier.collect.budget`);
- :meth:`AwsReader.call`: one call's failure sorted into evidence: a resource that does not
  exist is :class:`Missing`, any other failure :class:`Unavailable` (an ERROR finding, exit 3),
  a response that does not parse (:class:`~verifier.evidence.parse.ResponseError`) too; what
  breaks every call (no credentials, endpoint unreachable, rejected credentials) raises
  :class:`CollectionError`;
- :meth:`AwsReader.first_call`: the run's first call without retries, so a wrong endpoint, a TLS
  or protocol mismatch or missing credentials fail in seconds with one line;
- streamed hashing of S3 object versions (never a whole package in memory), through an optional
  on-disk cache of hashes (:mod:`verifier.collect.cache`; object versions are immutable).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TypeVar

import botocore.exceptions
import botocore.parsers
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

from verifier import __version__
from verifier.collect.budget import RateBudget
from verifier.collect.cache import HashCache
from verifier.errors import CollectionError, InputError
from verifier.evidence.model import Missing, Unavailable
from verifier.evidence.parse import ResponseError
from verifier.session import AwsSession

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 10
HASH_CHUNK_BYTES = 1024 * 1024
#: Read-only operation names: every call any collector makes starts with one (a test asserts it).
READ_PREFIXES = ("Get", "List", "Describe", "Head")

NOT_FOUND_CODES = frozenset(
    {"ResourceNotFoundException", "NoSuchKey", "NoSuchBucket", "NoSuchVersion", "404"}
)
# Errors that mean every call will fail the same way: stop, exit 3.
BAD_CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidAccessKeyId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "AuthFailure",
        "InvalidToken",
    }
)
NO_CREDENTIALS_HINT = (
    "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile"
)

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def client_config(max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Config:
    """Adaptive retries (backoff plus client-side rate limiting for throttled APIs)."""
    return Config(
        retries={"mode": "adaptive", "max_attempts": max_attempts},
        user_agent_extra=f"signed-lambda-verify/{__version__}",
        connect_timeout=10,
        read_timeout=60,
    )


def _brief(error: Exception) -> str:
    """botocore's message without the request URL it repeats (the endpoint is named already)."""
    text = re.sub(r'\s*(?:from )?(?:the )?endpoint URL: "[^"]*"', "", str(error))
    text = text.replace("Could not connect to", "connection refused or unreachable")
    text = re.sub(r"\s*for https?://\S+", "", text)
    return text.rstrip(". ")


def https_hint(endpoint: str) -> str | None:
    if endpoint.startswith("http://"):
        return f"if the endpoint serves HTTPS, use {endpoint.replace('http://', 'https://', 1)}"
    return None


def sha256_of(body: Any) -> Any:
    """SHA-256 of a GetObject body, read in chunks (never the whole package in memory)."""
    digest = hashlib.sha256()
    try:
        for chunk in body.iter_chunks(HASH_CHUNK_BYTES):
            digest.update(chunk)
    finally:
        body.close()
    return digest


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


@contextmanager
def reaching(endpoint: str) -> Iterator[None]:
    """What breaks every call (endpoint, TLS, protocol, credentials) as one CollectionError;
    any other AWS error answer passes through as ClientError (the endpoint works)."""
    try:
        yield
    except botocore.exceptions.SSLError as error:
        raise CollectionError(
            f"cannot reach {endpoint}: TLS verification failed ({_brief(error)})",
            "if the endpoint uses a private CA (the local AWS does), set AWS_CA_BUNDLE to "
            "its certificate",
        ) from None
    except (ConnectionError, botocore.exceptions.HTTPClientError) as error:
        hint = https_hint(endpoint) or "check the network, AWS_ENDPOINT_URL and the region"
        raise CollectionError(f"cannot reach {endpoint} ({_brief(error)})", hint) from None
    except botocore.parsers.ResponseParserError:
        raise CollectionError(
            f"cannot reach {endpoint}: the response is not an AWS API response",
            https_hint(endpoint) or "check AWS_ENDPOINT_URL",
        ) from None
    except (NoCredentialsError, PartialCredentialsError) as error:
        raise CollectionError(f"no AWS credentials ({error})", NO_CREDENTIALS_HINT) from None
    except ClientError as error:
        code = error_code(error)
        if code in BAD_CREDENTIAL_CODES:
            message = error.response.get("Error", {}).get("Message", "")
            raise CollectionError(
                f"AWS rejected the credentials: {code}: {message}",
                "refresh or fix the credentials",
            ) from None
        raise


class AwsReader:
    """Read-only clients for one session and Region, and one way to call them."""

    def __init__(
        self,
        session: AwsSession,
        *,
        region: str,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        max_connections: int | None = None,
        budget: RateBudget | None = None,
        cache: HashCache | None = None,
        s3_reads: threading.Semaphore | None = None,
    ) -> None:
        """``max_connections``: each client's HTTP connection pool (botocore's default 10);
        ``s3_reads``: a cap on object reads shared with other readers (an organization audit
        hashes for every account-region at once)."""
        config = client_config(max_attempts)
        if max_connections is not None:
            config = config.merge(Config(max_pool_connections=max_connections))
        self.session = session
        self.region = region
        self.budget = budget
        self.cache = cache or HashCache(None)
        self._s3_reads = s3_reads
        self._config = config
        try:
            self.lambda_ = self._client("lambda")
            self.signer = self._client("signer")
            self.s3 = self._client("s3")
        except NoRegionError:
            raise InputError("no region: set AWS_REGION or pass --region") from None
        self._signer_data: Any = None

    def _client(self, service: str, config: Config | None = None) -> Any:
        client = self.session.client(
            service, region_name=self.region, config=config or self._config
        )
        if self.budget is not None:
            self.budget.attach(client)
        return client

    @property
    def signer_data(self) -> Any:
        """Signer's data plane (``GetRevocationStatus``), created on first use: most runs never
        need it. Its own service model has no ``data-`` host prefix, so a custom endpoint
        (``AWS_ENDPOINT_URL``) reaches it as it is."""
        if self._signer_data is None:
            self._signer_data = self._client("signer-data")
        return self._signer_data

    @property
    def clients(self) -> tuple[Any, ...]:
        return tuple(
            c for c in (self.lambda_, self.signer, self.s3, self._signer_data) if c is not None
        )

    @property
    def endpoint(self) -> str:
        return str(self.lambda_.meta.endpoint_url)

    # -- the first call --------------------------------------------------------------------

    def first_call(self, client: Any, fetch: Callable[[Any], T]) -> T | ClientError:
        """``fetch(probe)`` on a copy of ``client`` without retries and with short timeouts.
        What breaks every call raises CollectionError; any other AWS error answer (not found,
        access denied, throttled) proves the endpoint works and is returned."""
        probe = self.session.client(
            client.meta.service_model.service_name,
            region_name=client.meta.region_name,
            config=client_config(1).merge(Config(connect_timeout=5, read_timeout=20)),
        )
        if self.budget is not None:
            self.budget.attach(probe)
        try:
            with reaching(str(client.meta.endpoint_url)):
                return fetch(probe)
        except ClientError as error:
            return error
        finally:
            probe.close()

    def not_an_aws_response(self) -> CollectionError:
        # botocore reads any non-JSON 200 (a proxy's or router's page) as {"message": ...}
        return CollectionError(
            f"cannot reach {self.endpoint}: the response is not an AWS API response",
            https_hint(self.endpoint) or "check AWS_ENDPOINT_URL",
        )

    # -- one call, with its failure modes sorted -----------------------------------------------

    def call(
        self, operation: str, what: str, identifier: str, fetch: Callable[[], T]
    ) -> T | Missing | Unavailable:
        try:
            return fetch()
        except (NoCredentialsError, PartialCredentialsError) as error:
            raise CollectionError(f"no AWS credentials ({error})", NO_CREDENTIALS_HINT) from None
        except ConnectionError as error:
            # EndpointConnectionError, ConnectTimeoutError, ... after retries.
            raise CollectionError(
                f"cannot reach AWS ({error})", "check the network, AWS_ENDPOINT_URL and the region"
            ) from None
        except ClientError as error:
            code = error_code(error)
            message = error.response.get("Error", {}).get("Message", "")
            if code in BAD_CREDENTIAL_CODES:
                raise CollectionError(
                    f"AWS rejected the credentials on {operation}: {code}: {message}",
                    "refresh or fix the credentials",
                ) from None
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in NOT_FOUND_CODES or (status == 404 and operation == "GetObject"):
                return Missing(what=what, identifier=identifier)
            log.warning("%s %s failed: %s: %s", operation, identifier, code, message)
            return Unavailable(operation=operation, reason=f"{code}: {message}", error_code=code)
        except BotoCoreError as error:
            log.warning("%s %s failed: %s", operation, identifier, error)
            return Unavailable(operation=operation, reason=str(error))
        except ResponseError as error:
            return Unavailable(operation=operation, reason=f"unexpected response: {error}")
        except InputError as error:  # an argument (an ARN) that does not parse
            return Unavailable(operation=operation, reason=error.what)

    # -- S3 object versions, hashed ----------------------------------------------------------

    def _reading(self) -> AbstractContextManager[Any]:
        return self._s3_reads if self._s3_reads is not None else nullcontext()

    def hash_object(self, bucket: str, key: str, version_id: str, *, encode: bool = True) -> str:
        """base64(SHA-256) of one object version (hex with ``encode=False``), streamed; from
        the cache when it has it (base64 only)."""
        if encode:
            cached = self.cache.get(bucket, key, version_id)
            if cached is not None:
                return cached
        kwargs: dict[str, str] = {"Bucket": bucket, "Key": key}
        if version_id != "null":
            kwargs["VersionId"] = version_id
        with self._reading():
            digest = sha256_of(self.s3.get_object(**kwargs)["Body"])
        if not encode:
            return str(digest.hexdigest())
        sha256 = base64.b64encode(digest.digest()).decode("ascii")
        self.cache.put(bucket, key, version_id, sha256)
        return sha256

    def hash_latest(self, bucket: str, key: str) -> tuple[str, str]:
        """(version id, base64(SHA-256)) of the key's latest version, streamed, in one GetObject
        (an unversioned bucket's version id is ``null``)."""
        with self._reading():
            response = self.s3.get_object(Bucket=bucket, Key=key)
            digest = sha256_of(response["Body"])
        version_id = str(response.get("VersionId") or "null")
        sha256 = base64.b64encode(digest.digest()).decode("ascii")
        self.cache.put(bucket, key, version_id, sha256)
        return version_id, sha256

    def download(self, bucket: str, key: str, version_id: str, destination: Any) -> None:
        """Stream one object version into an open binary file."""
        kwargs: dict[str, str] = {"Bucket": bucket, "Key": key}
        if version_id != "null":
            kwargs["VersionId"] = version_id
        body = self.s3.get_object(**kwargs)["Body"]
        try:
            for chunk in body.iter_chunks(HASH_CHUNK_BYTES):
                destination.write(chunk)
        finally:
            body.close()


def concurrently(
    fetch: Callable[[K], T],
    keys: Iterable[K],
    workers: int,
    *,
    on_done: Callable[[int, int], None] | None = None,
    name: str = "verifier",
) -> dict[K, T]:
    """``{key: fetch(key)}`` in key order, the fetches concurrent (in key order with one
    worker); ``on_done(done, total)`` after each. Interrupted (Ctrl-C) or failed, it starts no
    more fetches and does not wait for those running."""
    unique = list(dict.fromkeys(keys))
    found: dict[K, T] = {}
    if workers <= 1 or len(unique) < 2:
        for key in unique:
            found[key] = fetch(key)
            if on_done is not None:
                on_done(len(found), len(unique))
        return found
    pool = ThreadPoolExecutor(max_workers=min(workers, len(unique)), thread_name_prefix=name)
    try:
        futures = {pool.submit(fetch, key): key for key in unique}
        pending = set(futures)
        while pending:
            # A timeout, so the main thread sees Ctrl-C between waits.
            done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for future in done:
                found[futures[future]] = future.result()
                if on_done is not None:
                    on_done(len(found), len(unique))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return {key: found[key] for key in unique}


__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "READ_PREFIXES",
    "AwsReader",
    "client_config",
    "concurrently",
    "error_code",
    "https_hint",
    "reaching",
    "sha256_of",
]

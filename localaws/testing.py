"""Test helper: run the local AWS in a subprocess for the duration of a ``with`` block."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localaws import process
from localaws.limits import LimitSettings
from localaws.tls import ensure_tls_files

HOST = "127.0.0.1"
START_ATTEMPTS = 3


@dataclass(frozen=True)
class LocalAws:
    """Where a local AWS runs, with a client factory and the admin endpoints as methods."""

    endpoint_url: str
    #: The CA that signed the server's certificate (None for plain HTTP).
    ca_bundle: Path | None

    def client(self, service: str, **config: Any) -> Any:
        """A boto3 client for this server, with dummy credentials (``config``: botocore Config)."""
        return self._client(
            service, process.CLIENT_ACCESS_KEY_ID, process.CLIENT_SECRET_ACCESS_KEY, None, config
        )

    def client_for(self, service: str, credentials: dict[str, Any], **config: Any) -> Any:
        """A boto3 client acting with STS ``credentials`` (AssumeRole's ``Credentials``), so in
        the role's account."""
        return self._client(
            service,
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            credentials["SessionToken"],
            config,
        )

    def _client(
        self,
        service: str,
        access_key_id: str,
        secret_access_key: str,
        session_token: str | None,
        config: dict[str, Any],
    ) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.endpoint_url,
            verify=str(self.ca_bundle) if self.ca_bundle is not None else None,
            region_name=process.CLIENT_REGION,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
            config=Config(**config) if config else None,
        )

    def env(self) -> dict[str, str]:
        """What boto3, the Terraform provider and its S3 backend need to use this server."""
        return process.client_env(self.endpoint_url, self.ca_bundle)

    # -- admin endpoints (see localaws.admin) --

    def admin(self, method: str, endpoint: str, payload: dict[str, Any] | None = None) -> Any:
        """Call ``/_localaws/<endpoint>``; raises AdminCallError on a non-2xx reply."""
        return process.admin_call(self.endpoint_url, method, endpoint, payload, self.ca_bundle)

    def health(self) -> dict[str, Any]:
        return dict(self.admin("GET", "health"))

    def set_clock_offset(self, seconds: float) -> None:
        """Shift the server's clock by ``seconds`` from real time (0 restores real time)."""
        self.admin("POST", "clock", {"offsetSeconds": seconds})

    def reset_limits(self) -> None:
        """Refill every rate-limit bucket and zero the throttled count."""
        self.admin("POST", "limits/reset")

    def set_function_status(
        self,
        function_name: str,
        *,
        qualifier: str | None = None,
        state: str | None = None,
        state_reason: str | None = None,
        state_reason_code: str | None = None,
        last_update_status: str | None = None,
        last_update_status_reason: str | None = None,
        last_update_status_reason_code: str | None = None,
    ) -> dict[str, Any]:
        """Set a function version's State and/or LastUpdateStatus (default: ``$LATEST``).

        Giving ``state`` replaces StateReason/StateReasonCode with the ones given (omitted ones
        are cleared); likewise for ``last_update_status``. While LastUpdateStatus is
        ``InProgress``, UpdateFunctionCode/UpdateFunctionConfiguration/PublishVersion get 409
        ResourceConflictException; set it to ``Successful`` to release. Returns the version's
        configuration as GetFunctionConfiguration shows it.
        """
        payload = {
            "functionName": function_name,
            "qualifier": qualifier,
            "state": state,
            "stateReason": state_reason,
            "stateReasonCode": state_reason_code,
            "lastUpdateStatus": last_update_status,
            "lastUpdateStatusReason": last_update_status_reason,
            "lastUpdateStatusReasonCode": last_update_status_reason_code,
        }
        return dict(
            self.admin(
                "POST",
                "lambda/function-status",
                {key: value for key, value in payload.items() if value is not None},
            )
        )

    def purge_signing_profile(self, profile_name: str) -> str:
        """Delete a Canceled or Revoked profile as AWS's retention does; the purged version ARN."""
        return str(
            self.admin("POST", "signer/purge-profile", {"profileName": profile_name})[
                "profileVersionArn"
            ]
        )

    def revoke_certificate(self, certificate_hash: str) -> None:
        """Report a certificate hash (see localaws.signing) revoked from now on."""
        self.admin("POST", "signer/revoke-certificate", {"certificateHash": certificate_hash})

    def seed(
        self,
        functions: int,
        *,
        layers: int = 2,
        prefix: str = "seed-",
        policy: str = "Enforce",
        accounts: int | None = None,
        unassumable_accounts: int = 0,
    ) -> dict[str, Any]:
        """Create ``functions`` signed functions in-process (see :mod:`localaws.seed`); with
        ``accounts``, an organization of that many accounts holding them each (the last
        ``unassumable_accounts`` members refuse the management account's AssumeRole)."""
        payload: dict[str, Any] = {
            "functions": functions,
            "layers": layers,
            "prefix": prefix,
            "policy": policy,
        }
        if accounts is not None:
            payload.update(accounts=accounts, unassumableAccounts=unassumable_accounts)
        return dict(self.admin("POST", "seed", payload))


@contextmanager
def running_local_aws(
    *, tls: bool = True, rate_limits: bool = False, latency_ms: int = 0, iam: bool = False
) -> Iterator[LocalAws]:
    """Start ``python -m localaws`` on a free port; yield where it is; stop it. ``iam``
    enforces IAM for every caller but the admin keys (see :mod:`localaws.iam`).

    The server's log is kept in a temporary file and quoted when start-up fails.
    """
    limits = LimitSettings(rate_limits=rate_limits, latency_ms=latency_ms)
    with tempfile.TemporaryDirectory(prefix="localaws-") as scratch:
        log_file = Path(scratch) / "server.log"
        tls_dir = Path(scratch) / "tls" if tls else None
        ca_file = ensure_tls_files(tls_dir).ca_cert if tls_dir is not None else None
        child, endpoint_url = _start_on_a_free_port(limits, log_file, tls_dir, ca_file, iam)
        try:
            yield LocalAws(endpoint_url=endpoint_url, ca_bundle=ca_file)
        except BaseException:
            # The server's side of a failure is in its log, which goes away with `scratch`.
            tail = log_file.read_text(errors="replace").splitlines()[-40:]
            print("local AWS log (last 40 lines):", *tail, sep="\n", file=sys.stderr)
            raise
        finally:
            process.stop_process(child.pid)
            child.wait(timeout=10)


def _start_on_a_free_port(
    limits: LimitSettings,
    log_file: Path,
    tls_dir: Path | None,
    ca_file: Path | None,
    iam: bool = False,
) -> tuple[subprocess.Popen[bytes], str]:
    """Spawn on a free port and wait until ready; a port taken between the probe and the
    server's bind (another test process, e.g. a pytest-xdist worker) is retried on a new port."""
    for attempt in range(START_ATTEMPTS):
        port = process.free_port(HOST)
        endpoint_url = f"{'https' if tls_dir is not None else 'http'}://{HOST}:{port}"
        child = process.spawn(HOST, port, limits, log_file, tls_dir, iam=iam)
        try:
            process.wait_until_ready(
                child, endpoint_url, log_file, process.READY_TIMEOUT_SECONDS, ca_file
            )
        except process.StartError as error:
            process.stop_process(child.pid)
            child.wait(timeout=10)
            if "already in use" in str(error) and attempt + 1 < START_ATTEMPTS:
                continue
            tail = log_file.read_text(errors="replace").splitlines()[-40:]
            print("local AWS log (last 40 lines):", *tail, sep="\n", file=sys.stderr)
            raise
        return child, endpoint_url
    raise AssertionError("unreachable")


@contextmanager
def running_server(*, rate_limits: bool = False, latency_ms: int = 0) -> Iterator[str]:
    """A plain-HTTP server for tests of the AWS APIs themselves; yields its endpoint URL."""
    with running_local_aws(tls=False, rate_limits=rate_limits, latency_ms=latency_ms) as local:
        yield local.endpoint_url

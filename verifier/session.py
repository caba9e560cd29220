"""The AWS session the verifier works through: botocore's own, without boto3.

The verifier uses clients only (no resources, no transfers), and importing boto3 also imports
s3transfer and boto3's resource layer (about 20 ms of a `verify` run's 0.25 s of imports here).
So the commands use :class:`Session`, a thin botocore session with the two members of
``boto3.Session`` the verifier needs. The library API accepts anything with those members
(:class:`AwsSession`), a ``boto3.Session`` included.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

import botocore.session
from botocore.config import Config
from botocore.credentials import CredentialProvider, CredentialResolver, Credentials


class AwsSession(Protocol):
    """What the verifier needs of a session; ``boto3.Session`` has it."""

    @property
    def region_name(self) -> str | None: ...

    @property
    def client(self) -> Callable[..., Any]:
        """``client(service_name, region_name=..., config=...)``: a botocore client."""


class Session:
    """A botocore session with boto3's ``region_name`` and ``client()``.

    Credentials, region and configuration resolve exactly as boto3 resolves them (boto3
    delegates all of it to botocore). Like ``boto3.Session``, an unknown profile raises
    ``botocore.exceptions.ProfileNotFound`` here, not at the first call.
    """

    def __init__(self, profile_name: str | None = None) -> None:
        self.core = botocore.session.Session(profile=profile_name)
        if profile_name is not None:
            self.core.get_scoped_config()  # ProfileNotFound now, as boto3 does

    @property
    def region_name(self) -> str | None:
        region = self.core.get_config_variable("region")
        return str(region) if region else None

    def client(
        self, service_name: str, region_name: str | None = None, config: Config | None = None
    ) -> Any:
        return self.core.create_client(service_name, region_name=region_name, config=config)


# --- sessions of an organization audit ---------------------------------------------------------

#: botocore sessions are not thread-safe, and an organization audit creates clients from worker
#: threads (an account-region's collector, a credential refresh): every client of such a run is
#: created under this one lock. Client creation is CPU-bound anyway.
CLIENT_CREATION = threading.RLock()


def botocore_session_of(session: AwsSession) -> botocore.session.Session:
    """The botocore session under :class:`Session` or a ``boto3.Session``."""
    core = getattr(session, "core", None) or getattr(session, "_session", None)
    if not isinstance(core, botocore.session.Session):
        raise TypeError("an organization audit needs a verifier Session or a boto3.Session")
    return core


class SerializedSession:
    """A session whose clients are created under :data:`CLIENT_CREATION` (the caller's own
    account in an organization audit: its Regions' collectors run at once)."""

    def __init__(self, session: AwsSession) -> None:
        self._session = session

    @property
    def region_name(self) -> str | None:
        return self._session.region_name

    def client(
        self, service_name: str, region_name: str | None = None, config: Config | None = None
    ) -> Any:
        with CLIENT_CREATION:
            return self._session.client(service_name, region_name=region_name, config=config)


class _GivenCredentials(CredentialProvider):
    METHOD = "signed-lambda-assumed-role"

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


class CredentialsSession(Session):
    """A session acting with other credentials (an assumed role's, refreshed as they near
    expiry), otherwise configured as ``base`` is (profile, endpoint, CA bundle, Region), and
    sharing its loaded service models; its clients are created under :data:`CLIENT_CREATION`."""

    def __init__(self, base: botocore.session.Session, credentials: Credentials) -> None:
        with CLIENT_CREATION:
            core = botocore.session.Session(profile=base.profile)
            core.register_component("data_loader", base.get_component("data_loader"))
            core.register_component(
                "credential_provider", CredentialResolver([_GivenCredentials(credentials)])
            )
        self.core = core
        self.credentials = credentials

    def client(
        self, service_name: str, region_name: str | None = None, config: Config | None = None
    ) -> Any:
        with CLIENT_CREATION:
            return super().client(service_name, region_name=region_name, config=config)

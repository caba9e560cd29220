"""The AWS session the verifier works through: botocore's own, without boto3.

The verifier uses clients only (no resources, no transfers), and importing boto3 also imports
s3transfer and boto3's resource layer (about 20 ms of a `verify` run's 0.25 s of imports here).
So the commands use :class:`Session`, a thin botocore session with the two members of
``boto3.Session`` the verifier needs. The library API accepts anything with those members
(:class:`AwsSession`), a ``boto3.Session`` included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import botocore.session
from botocore.config import Config


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

"""STS query handlers: moto's TokenResponse, with AssumeRole authorized first."""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.sts.responses import TokenResponse

from .models import ExtendedSTSBackend

DEFAULT_DURATION_SECONDS = 3600


class ExtendedTokenResponse(TokenResponse):
    @property
    def backend(self) -> ExtendedSTSBackend:
        backend = super().backend
        assert isinstance(backend, ExtendedSTSBackend)
        return backend

    def assume_role(self) -> ActionResult:
        self.backend.authorize_assume_role(
            access_key_id=self.get_access_key(),
            role_arn=self._get_param("RoleArn"),
            external_id=self._get_param("ExternalId"),
            duration=self._get_int_param("DurationSeconds", DEFAULT_DURATION_SECONDS),
        )
        return super().assume_role()

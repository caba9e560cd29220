"""CloudFormation query handlers: moto's, plus OnFailure/DisableRollback on CreateStack."""

from __future__ import annotations

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from .models import ON_FAILURE, ExtendedCloudFormationBackend


class ExtendedCloudFormationResponse(CloudFormationResponse):
    @property
    def cloudformation_backend(self) -> ExtendedCloudFormationBackend:  # type: ignore[override]
        backend = super().cloudformation_backend
        assert isinstance(backend, ExtendedCloudFormationBackend)
        return backend

    def create_stack(self) -> ActionResult:
        on_failure = self._get_param("OnFailure")
        disable_rollback = self._get_bool_param("DisableRollback", False)
        if on_failure and disable_rollback:
            raise ValidationError(
                message="You can specify either DisableRollback or OnFailure, but not both."
            )
        if on_failure and on_failure not in ON_FAILURE:
            raise ValidationError(message=f"OnFailure must be one of {', '.join(ON_FAILURE)}")
        mode = "DO_NOTHING" if disable_rollback else (on_failure or "ROLLBACK")
        with self.cloudformation_backend.failure_mode(mode):
            return super().create_stack()

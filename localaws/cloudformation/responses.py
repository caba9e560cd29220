"""CloudFormation query handlers: moto's, plus OnFailure/DisableRollback on CreateStack.

Under ``--iam``, a caller other than the admin keys may not create or change stacks: moto
creates a template's resources without any IAM check, while AWS's CloudFormation acts with the
caller's credentials (or its service role), so the caller's policies and the SCP apply to each
resource. The local AWS does not evaluate that, so it refuses, loudly, rather than let a
template create what the same caller is denied directly (a function without a CSC).
"""

from __future__ import annotations

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.exceptions import _RESTError
from moto.core.responses import ActionResult

from localaws.iam.enforce import authorized_caller

from .models import ON_FAILURE, ExtendedCloudFormationBackend


class NotEvaluatedUnderIam(_RESTError):
    code = 403

    def __init__(self, message: str) -> None:
        super().__init__("AccessDenied", message)


def refuse_under_iam(action: str) -> None:
    """Raise AccessDenied for an enforced caller (not the admin keys) of ``action``."""
    caller = authorized_caller()
    if caller is None:
        return
    raise NotEvaluatedUnderIam(
        f"User: {caller.principal.display_arn} is not authorized to perform: "
        f"cloudformation:{action}: the local AWS (--iam) cannot evaluate IAM for the resources "
        "CloudFormation would create as this caller (AWS applies the caller's policies and the "
        "SCP to each); call the services directly, or use the admin keys"
    )


class ExtendedCloudFormationResponse(CloudFormationResponse):
    @property
    def cloudformation_backend(self) -> ExtendedCloudFormationBackend:  # type: ignore[override]
        backend = super().cloudformation_backend
        assert isinstance(backend, ExtendedCloudFormationBackend)
        return backend

    def _refuse(self, action: str) -> None:
        # moto authorized the caller in call_action, before this handler: it is known here.
        refuse_under_iam(action)

    def create_stack(self) -> ActionResult:
        self._refuse("CreateStack")
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

    def update_stack(self) -> ActionResult:
        self._refuse("UpdateStack")
        return super().update_stack()

    def create_change_set(self) -> ActionResult:
        self._refuse("CreateChangeSet")
        return super().create_change_set()

    def execute_change_set(self) -> ActionResult:
        self._refuse("ExecuteChangeSet")
        return super().execute_change_set()

    def create_stack_set(self) -> ActionResult:
        self._refuse("CreateStackSet")
        return super().create_stack_set()

    def create_stack_instances(self) -> ActionResult:
        self._refuse("CreateStackInstances")
        return super().create_stack_instances()

    def update_stack_set(self) -> ActionResult:
        self._refuse("UpdateStackSet")
        return super().update_stack_set()

    def update_stack_instances(self) -> ActionResult:
        self._refuse("UpdateStackInstances")
        return super().update_stack_instances()

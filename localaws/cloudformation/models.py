"""CloudFormation backend whose stacks fail, roll back and report as AWS's do.

moto creates a stack's resources inside CreateStack and lets a resource's error escape the call,
leaving the stack CREATE_IN_PROGRESS with whatever was created before it. AWS accepts the
request (CreateStack returns the StackId), records the resource as CREATE_FAILED with the
service's message, then by ``OnFailure`` (default ``ROLLBACK``) deletes what it created and ends
ROLLBACK_COMPLETE, ends CREATE_FAILED (``DO_NOTHING``, or ``DisableRollback``), or deletes the
stack (``DELETE``). :class:`ExtendedCloudFormationBackend` does that for the resources that
report failures through :func:`resource_handler` (the Lambda function and code signing config);
an error from any other resource still escapes CreateStack, as in moto, which is loud too.

An update that fails cannot be rolled back here (moto keeps no previous state): the stack ends
UPDATE_ROLLBACK_FAILED with a reason that says so, never UPDATE_COMPLETE.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from moto.cloudformation.models import CloudFormationBackend, Event, Stack
from moto.cloudformation.parsing import OutputMap
from moto.core.exceptions import JsonRESTError

ON_FAILURE = ("ROLLBACK", "DO_NOTHING", "DELETE")


class ResourceFailed(Exception):
    """A resource's handler failed; the stack records it instead of failing the API call."""

    def __init__(self, logical_id: str, resource_type: str, reason: str) -> None:
        super().__init__(f"{logical_id} ({resource_type}): {reason}")
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.reason = reason


@contextlib.contextmanager
def resource_handler(kwargs: dict[str, Any], service: str) -> Iterator[None]:
    """Turn a service error raised while CloudFormation creates a resource into ResourceFailed.

    ``kwargs`` are what moto's parser passes to ``create_from_cloudformation_json``
    (LogicalId, ResourceType); the reason reads like AWS's resource handler messages.
    """
    try:
        yield
    except JsonRESTError as error:
        raise ResourceFailed(
            str(kwargs.get("LogicalId", "")),
            str(kwargs.get("ResourceType", "")),
            f'Resource handler returned message: "{error.message}" (Service: {service}, '
            f"Status Code: {error.code}, ErrorCode: {error.error_type})",
        ) from None


def unsupported_properties(properties: dict[str, Any], supported: set[str]) -> list[str]:
    return sorted(set(properties) - supported)


class ExtendedCloudFormationBackend(CloudFormationBackend):
    """moto's backend; stack creation and updates record resource failures as AWS does."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        #: OnFailure of the CreateStack call being served (the server serves one at a time).
        self.on_failure = "ROLLBACK"

    @contextlib.contextmanager
    def failure_mode(self, on_failure: str) -> Iterator[None]:
        self.on_failure = on_failure
        try:
            yield
        finally:
            self.on_failure = "ROLLBACK"

    def create_stack(
        self, name: str, template: str, parameters: dict[str, Any], **kwargs: Any
    ) -> Stack:  # type: ignore[override]
        on_failure = self.on_failure
        try:
            return super().create_stack(name, template, parameters, **kwargs)
        except ResourceFailed as failure:
            # The stack exists (moto stores it before creating resources).
            stack = next(s for s in self.stacks.values() if s.name == name)
            self._creation_failed(stack, failure, on_failure)
            return stack

    def execute_change_set(self, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.change_sets.get(change_set_name) or next(
            (cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name),
            None,
        )
        try:
            super().execute_change_set(change_set_name, stack_name)
        except ResourceFailed as failure:
            assert change_set is not None
            stack = self.stacks[change_set.stack_id]
            change_set.execution_status = "EXECUTE_FAILED"
            if change_set.change_set_type == "CREATE":
                self._creation_failed(stack, failure, "ROLLBACK")
            else:
                self._update_failed(stack, failure)

    def update_stack(self, name: str, *args: Any, **kwargs: Any) -> Stack:  # type: ignore[override]
        try:
            return super().update_stack(name, *args, **kwargs)
        except ResourceFailed as failure:
            stack = self.get_stack(name)
            self._update_failed(stack, failure)
            return stack

    # -- what AWS reports --

    @staticmethod
    def _resource_event(stack: Stack, failure: ResourceFailed, status: str) -> None:
        stack.events.append(
            Event(
                stack_id=stack.stack_id,
                stack_name=stack.name,
                logical_resource_id=failure.logical_id,
                physical_resource_id="",
                resource_type=failure.resource_type,
                resource_status=status,
                resource_status_reason=failure.reason,
                resource_properties=None,
            )
        )

    @staticmethod
    def _settle(stack: Stack, *, outputs: bool) -> None:
        """Keep only the resources that exist, and outputs only if asked (a stack whose creation
        failed has none).

        moto's resource and output maps create resources lazily when read: without this,
        DescribeStacks or DescribeStackResources would try to create the failed resource again.
        """
        resources = stack.resource_map
        json_map = resources._resource_json_map
        resources._resource_json_map = {
            key: value for key, value in json_map.items() if key in resources._parsed_resources
        }
        if not outputs:
            stack.output_map = OutputMap(resources, {"Outputs": {}}, stack.stack_id)

    def _creation_failed(self, stack: Stack, failure: ResourceFailed, on_failure: str) -> None:
        self._resource_event(stack, failure, "CREATE_FAILED")
        self._settle(stack, outputs=False)
        failed = f"The following resource(s) failed to create: [{failure.logical_id}]."
        if on_failure == "DO_NOTHING":
            stack.status = "CREATE_FAILED"
            stack.status_reason = failed
            stack._add_stack_event("CREATE_FAILED", resource_status_reason=failed)
            return
        reason = f"{failed} Rollback requested by user."
        stack.status = "ROLLBACK_IN_PROGRESS"
        stack.status_reason = reason
        stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
        stack.resource_map.delete()  # what was created, in dependency order
        stack.status = "ROLLBACK_COMPLETE"
        stack._add_stack_event("ROLLBACK_COMPLETE")
        if on_failure == "DELETE":
            self.delete_stack(stack.stack_id)

    @staticmethod
    def _update_failed(stack: Stack, failure: ResourceFailed) -> None:
        ExtendedCloudFormationBackend._resource_event(stack, failure, "UPDATE_FAILED")
        ExtendedCloudFormationBackend._settle(stack, outputs=True)
        reason = (
            f"The following resource(s) failed to update: [{failure.logical_id}]. The local AWS "
            "cannot roll an update back: resources updated before it keep their new state."
        )
        stack.status = "UPDATE_ROLLBACK_FAILED"
        stack.status_reason = reason
        stack._add_stack_event("UPDATE_ROLLBACK_FAILED", resource_status_reason=reason)

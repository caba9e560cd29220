"""STS backend extended with trust-policy checks on AssumeRole.

moto 5.2.5 already keys accounts on access keys: ``AssumeRole`` creates a temporary access key in
the *role's* account (``IAMBackend.create_temp_access_key``), moto's ``get_account_id_from``
finds the account of every later request by that key, and ``GetCallerIdentity`` reports the
session's account and assumed-role ARN. moto lets anyone assume any role, even one that does not
exist; :meth:`ExtendedSTSBackend.authorize_assume_role` answers as AWS does instead.

:meth:`ExtendedSTSBackend.caller` is the one answer to "who is behind this access key" (trust
policies here, identity policies in :mod:`localaws.iam.enforce`, Security Hub's denials). Keys
moto did not issue (the admin keys; without ``--iam`` any key) act as the account's root user,
as :mod:`localaws.iam.enforce` treats the admin keys, so a trust policy naming the account (or
its root) lets them in. AWS refuses AssumeRole to the real root user; the admin keys are this
server's own, and test set-ups assume roles with them.
"""

from __future__ import annotations

import re

from moto.core.exceptions import AccessDeniedError
from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from moto.sts.exceptions import STSValidationError
from moto.sts.models import STSBackend, sts_backends

from localaws.iam.policy import Principal, account_root

from .trust import ASSUME_ROLE_ACTION, trust_allows

_ROLE_ARN = re.compile(r"arn:(aws[\w-]*):iam::(\d{12}):role/.+")
#: AWS caps a session assumed by role chaining at one hour, whatever the role allows.
ROLE_CHAINING_MAX_SECONDS = 3600
DEFAULT_MAX_SESSION_SECONDS = 3600


def caller_arn(account_id: str, partition: str, access_key_id: str) -> str:
    """The ARN of the principal behind an access key (for other services' AccessDenied)."""
    backend = sts_backends[account_id][partition]
    assert isinstance(backend, ExtendedSTSBackend)
    return backend.caller(access_key_id).display_arn


class ExtendedSTSBackend(STSBackend):
    def caller(self, access_key_id: str) -> Principal:
        """The principal behind an access key of this account (``self`` is the account's STS
        backend, as moto picks it from the key; see the module docstring)."""
        assumed = self.get_assumed_role_from_access_key(access_key_id)
        if assumed is not None:
            return Principal(
                arn=assumed.role_arn, account=assumed.account_id, session_arn=assumed.arn
            )
        iam = iam_backends[self.account_id][self.partition]
        user = iam.get_user_from_access_key_id(access_key_id)
        if user is not None:
            return Principal(arn=user.arn, account=self.account_id)
        return Principal(arn=account_root(self.partition, self.account_id), account=self.account_id)

    def authorize_assume_role(
        self, access_key_id: str, role_arn: str, external_id: str | None, duration: int
    ) -> None:
        """Raise AccessDenied unless the role exists and its trust policy allows the caller
        (:mod:`localaws.sts.trust`), and ValidationError for a duration the role refuses."""
        caller = self.caller(access_key_id)
        match = _ROLE_ARN.fullmatch(role_arn or "")
        denied = AccessDeniedError(
            user_arn=caller.display_arn, action=f"{ASSUME_ROLE_ACTION} on resource: {role_arn}"
        )
        if match is None:
            raise denied
        try:
            role = iam_backends[match.group(2)][match.group(1)].get_role_by_arn(role_arn)
        except NotFoundException:
            raise denied from None
        if not trust_allows(role.assume_role_policy_document, role_arn, caller, external_id):
            raise denied
        if caller.is_role_session and duration > ROLE_CHAINING_MAX_SECONDS:
            raise STSValidationError(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                "assumed by role chaining."
            )
        max_session = int(role.max_session_duration or DEFAULT_MAX_SESSION_SECONDS)
        if duration > max_session:
            raise STSValidationError(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            )

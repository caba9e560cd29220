"""STS backend extended with trust-policy checks on AssumeRole.

moto 5.2.5 already keys accounts on access keys: ``AssumeRole`` creates a temporary access key in
the *role's* account (``IAMBackend.create_temp_access_key``), moto's ``get_account_id_from``
finds the account of every later request by that key, and ``GetCallerIdentity`` reports the
session's account and assumed-role ARN. moto lets anyone assume any role, even one that does not
exist; :meth:`ExtendedSTSBackend.authorize_assume_role` answers as AWS does instead.
"""

from __future__ import annotations

import re

from moto.core.exceptions import AccessDeniedError
from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from moto.sts.exceptions import STSValidationError
from moto.sts.models import STSBackend, sts_backends

from .trust import ASSUME_ROLE_ACTION, Caller, trust_allows

_ROLE_ARN = re.compile(r"arn:(aws[\w-]*):iam::(\d{12}):role/.+")
#: AWS caps a session assumed by role chaining at one hour, whatever the role allows.
ROLE_CHAINING_MAX_SECONDS = 3600
DEFAULT_MAX_SESSION_SECONDS = 3600


def caller_arn(account_id: str, partition: str, access_key_id: str) -> str:
    """The ARN of the principal behind an access key (for other services' AccessDenied)."""
    backend = sts_backends[account_id][partition]
    assert isinstance(backend, ExtendedSTSBackend)
    return backend.caller(access_key_id).arn


class ExtendedSTSBackend(STSBackend):
    def caller(self, access_key_id: str) -> Caller:
        """The principal behind an access key of this account (``self`` is the account's STS
        backend, as moto picks it from the key)."""
        assumed = self.get_assumed_role_from_access_key(access_key_id)
        if assumed is not None:
            return Caller(
                account_id=assumed.account_id,
                arn=assumed.arn,
                principal_arns=frozenset({assumed.role_arn, assumed.arn}),
                is_role_session=True,
            )
        iam = iam_backends[self.account_id][self.partition]
        user = iam.get_user_from_access_key_id(access_key_id)
        if user is not None:
            return Caller(self.account_id, user.arn, frozenset({user.arn}))
        # Credentials moto did not issue (the dummy "testing" keys): moto's own default
        # identity, an IAM user named moto in this account.
        arn = f"arn:{self.partition}:iam::{self.account_id}:user/moto"
        return Caller(self.account_id, arn, frozenset({arn}))

    def authorize_assume_role(
        self, access_key_id: str, role_arn: str, external_id: str | None, duration: int
    ) -> None:
        """Raise AccessDenied unless the role exists and its trust policy allows the caller
        (:mod:`localaws.sts.trust`), and ValidationError for a duration the role refuses."""
        caller = self.caller(access_key_id)
        match = _ROLE_ARN.fullmatch(role_arn or "")
        denied = AccessDeniedError(
            user_arn=caller.arn, action=f"{ASSUME_ROLE_ACTION} on resource: {role_arn}"
        )
        if match is None:
            raise denied
        try:
            role = iam_backends[match.group(2)][match.group(1)].get_role_by_arn(role_arn)
        except NotFoundException:
            raise denied from None
        if not trust_allows(role.assume_role_policy_document, caller, external_id):
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

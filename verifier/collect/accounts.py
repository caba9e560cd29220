"""Who the caller is, which accounts an organization audit enters, how, and which Regions.

Calls (none of them changes anything; ``sts:AssumeRole`` only issues credentials):

- STS ``GetCallerIdentity``: the caller's account and partition (the role ARNs' partition);
- Organizations ``ListAccounts`` (``--organization``; paged, 20 a page): the accounts whose
  ``State`` is ``ACTIVE`` (``Status`` where an older answer has no ``State``: AWS retires it);
- STS ``AssumeRole`` per account but the caller's own, into :class:`RoleCredentials`, which
  botocore refreshes before they expire;
- ``account:ListRegions`` (``ENABLED`` and ``ENABLED_BY_DEFAULT``) per account with
  ``--all-regions``, falling back to EC2 ``DescribeRegions`` (the Regions enabled for the
  account) where ListRegions is refused or unavailable, as AWS documents for callers without
  ``account:ListRegions``.

A failure that concerns one account (its role cannot be assumed, its Regions cannot be listed)
is returned as :class:`Unreachable` for that account; what breaks the whole run (no credentials,
the organization cannot be listed) raises :class:`~verifier.errors.CollectionError`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.config import Config
from botocore.credentials import DeferredRefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError

from verifier.collect.aws import client_config, error_code, reaching
from verifier.collect.budget import RateBudget
from verifier.contract.accounts import AccountTargets, RoleOptions, partition_of_region
from verifier.errors import CollectionError
from verifier.session import (
    CLIENT_CREATION,
    AwsSession,
    CredentialsSession,
    SerializedSession,
    botocore_session_of,
)

#: The account states an audit enters (ListAccounts ``State``; AWS documents these values).
ACTIVE = "ACTIVE"
REGION_ENABLED = ("ENABLED", "ENABLED_BY_DEFAULT")


@dataclass(frozen=True)
class Caller:
    account_id: str
    arn: str
    partition: str


@dataclass(frozen=True)
class Unreachable:
    """Why one account (or account-region) could not be audited: the operation and AWS's
    answer, one line."""

    operation: str
    reason: str
    error_code: str | None = None


def _describe(error: Exception) -> tuple[str, str | None]:
    if isinstance(error, ClientError):
        code = error_code(error)
        message = error.response.get("Error", {}).get("Message", "")
        return " ".join(f"{code}: {message}".split()), code
    return " ".join(str(error).split()), None


def _counted(client: Any, counter: RateBudget | None) -> Any:
    return counter.attach(client) if counter is not None else client


def caller_identity(
    session: AwsSession, region: str, max_attempts: int, counter: RateBudget | None = None
) -> Caller:
    sts = _counted(
        session.client("sts", region_name=region, config=client_config(max_attempts)), counter
    )
    with reaching(str(sts.meta.endpoint_url)):
        try:
            identity = sts.get_caller_identity()
        except ClientError as error:
            what, _ = _describe(error)
            raise CollectionError(
                f"cannot tell which account the credentials belong to: {what}",
                "check the credentials (sts:GetCallerIdentity needs no permission)",
            ) from None
    arn = str(identity.get("Arn", ""))
    parts = arn.split(":")
    partition = parts[1] if len(parts) > 1 and parts[1] else partition_of_region(region)
    return Caller(account_id=str(identity["Account"]), arn=arn, partition=partition)


def organization_accounts(
    session: AwsSession, region: str, max_attempts: int, counter: RateBudget | None = None
) -> list[str]:
    """Every ACTIVE account of the caller's organization (the management account or a
    delegated administrator may list them)."""
    organizations = _counted(
        session.client("organizations", region_name=region, config=client_config(max_attempts)),
        counter,
    )
    accounts = []
    with reaching(str(organizations.meta.endpoint_url)):
        try:
            for page in organizations.get_paginator("list_accounts").paginate():
                for account in page.get("Accounts") or []:
                    state = account.get("State") or account.get("Status")
                    if state == ACTIVE:
                        accounts.append(str(account["Id"]))
        except ClientError as error:
            what, _ = _describe(error)
            raise CollectionError(
                f"cannot list the organization's accounts (organizations:ListAccounts): {what}",
                "run from the management account or a delegated administrator, or name the "
                "accounts with --account / --accounts-file",
            ) from None
    return accounts


class RoleCredentials(DeferredRefreshableCredentials):
    """An assumed role's credentials: assumed on first use, assumed again before they expire.

    botocore refreshes 15 minutes before expiry and blocks every request from 10 minutes
    before; for a session of an hour or less that would be most of its life (a 15-minute
    session would be assumed again on every request), so both windows shrink with the session.
    """

    def __init__(
        self,
        fetch: Callable[[], dict[str, Any]],
        duration_seconds: int,
        time_fetcher: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(
            refresh_using=fetch,
            method="assume-role",
            time_fetcher=time_fetcher or (lambda: datetime.now(UTC)),
        )
        self._advisory_refresh_timeout = min(15 * 60, duration_seconds // 4)
        self._mandatory_refresh_timeout = min(10 * 60, duration_seconds // 6)


class RoleAssumer:
    """``sts:AssumeRole`` into each account with the caller's (refreshable) credentials."""

    def __init__(
        self,
        session: AwsSession,
        *,
        caller: Caller,
        role: RoleOptions,
        region: str,
        max_attempts: int,
        counter: RateBudget | None = None,
    ) -> None:
        self.base = botocore_session_of(session)
        self.counter = counter
        self.caller = caller
        self.role = role
        self.region = region
        self._config: Config = client_config(max_attempts)
        self._sts: Any = None
        self._lock = threading.Lock()
        #: AssumeRole calls made (first ones and refreshes), for the summary and the tests.
        self.calls = 0

    def _client(self) -> Any:
        with self._lock:
            if self._sts is None:
                with CLIENT_CREATION:
                    self._sts = _counted(
                        self.base.create_client(
                            "sts", region_name=self.region, config=self._config
                        ),
                        self.counter,
                    )
            return self._sts

    def fetcher(self, account_id: str) -> Callable[[], dict[str, Any]]:
        role_arn = self.role.arn(self.caller.partition, account_id)
        arguments: dict[str, Any] = {
            "RoleArn": role_arn,
            "RoleSessionName": self.role.session_name,
            "DurationSeconds": self.role.duration_seconds,
        }
        if self.role.external_id is not None:
            arguments["ExternalId"] = self.role.external_id

        def fetch() -> dict[str, Any]:
            with self._lock:
                self.calls += 1
            credentials = self._client().assume_role(**arguments)["Credentials"]
            expiration = credentials["Expiration"]
            return {
                "access_key": credentials["AccessKeyId"],
                "secret_key": credentials["SecretAccessKey"],
                "token": credentials["SessionToken"],
                "expiry_time": expiration.isoformat()
                if isinstance(expiration, datetime)
                else str(expiration),
            }

        return fetch

    def session_for(
        self, account_id: str, time_fetcher: Callable[[], datetime] | None = None
    ) -> CredentialsSession | Unreachable:
        """A session in the account through its role, assumed now (so a refusal is one line
        here, not an error inside the first request)."""
        credentials = RoleCredentials(
            self.fetcher(account_id), self.role.duration_seconds, time_fetcher
        )
        try:
            credentials.get_frozen_credentials()
        except (ClientError, BotoCoreError) as error:
            what, code = _describe(error)
            return Unreachable(
                "AssumeRole",
                f"cannot assume {self.role.arn(self.caller.partition, account_id)}: {what}",
                code,
            )
        return CredentialsSession(self.base, credentials)


def own_session(session: AwsSession) -> AwsSession:
    """The caller's own account, audited with the caller's credentials."""
    return SerializedSession(session)


def enabled_regions(
    session: AwsSession,
    home_region: str,
    partition: str,
    max_attempts: int,
    counter: RateBudget | None = None,
) -> list[str] | Unreachable:
    """The Regions enabled for the session's account: ``account:ListRegions``, else EC2
    ``DescribeRegions``; only the caller's partition (the local AWS lists every partition's)."""
    config = client_config(max_attempts)
    found: list[str] = []
    first_error: tuple[str, str | None] | None = None
    try:
        account = _counted(
            session.client("account", region_name=home_region, config=config), counter
        )
        paginator = account.get_paginator("list_regions")
        for page in paginator.paginate(RegionOptStatusContains=list(REGION_ENABLED)):
            found += [str(r["RegionName"]) for r in page.get("Regions") or []]
    except (ClientError, BotoCoreError) as error:
        first_error = _describe(error)
        found = []
        try:
            ec2 = _counted(session.client("ec2", region_name=home_region, config=config), counter)
            reply = ec2.describe_regions()
            found = [str(r["RegionName"]) for r in reply.get("Regions") or []]
        except (ClientError, BotoCoreError) as fallback:
            what, code = _describe(fallback)
            return Unreachable(
                "ListRegions/DescribeRegions",
                f"cannot list the account's Regions: account:ListRegions: {first_error[0]}; "
                f"ec2:DescribeRegions: {what}",
                code,
            )
    regions = sorted({r for r in found if partition_of_region(r) == partition})
    if not regions:
        return Unreachable("ListRegions/DescribeRegions", "no enabled Region listed")
    return regions


def targets_summary(targets: AccountTargets, accounts: int) -> str:
    regions = "every enabled Region" if targets.all_regions else ", ".join(targets.regions)
    shard = f" (shard {targets.shard})" if targets.shard is not None else ""
    return f"{accounts} account(s){shard} in {regions}"

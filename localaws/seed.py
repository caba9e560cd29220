"""Seed the local AWS with many signed functions, fast, for benchmarks and fleet tests.

:func:`seed` runs *inside* the server process (``POST /_localaws/seed``, see
:mod:`localaws.admin`; ``python -m localaws seed`` and :meth:`localaws.testing.LocalAws.seed`
call it), under the server's one moto lock. It is the signed-world builder's recipe
(:mod:`localaws.world`) through the in-process transport (:mod:`localaws.backend_clients`):
the same backend methods the HTTP API calls, so the result is a normal signed deploy as the API
shows it:

1. a versioned artifacts bucket and a Lambda execution role;
2. one Signer signing profile (platform ``AWSLambda-SHA384-ECDSA``);
3. the packages uploaded unsigned, then signed by real signing jobs (one for the function
   package, one per layer), the signed objects written by the jobs as new object versions;
4. one code signing config allowing that profile version, policy Enforce by default;
5. ``layers`` layer versions published from the signed objects (so they carry signing ARNs);
6. ``functions`` functions created from the signed object *version* under the config, with every
   layer attached and ``Publish``: each has ``$LATEST`` and version 1. Every create is validated
   like CreateFunction (signature, publisher, expiry, revocation), so ``CodeSha256`` is the
   SHA-256 of the signed object and ``SigningJobArn``/``SigningProfileVersionArn`` are set.

With ``accounts`` (``--accounts N``), :func:`seed_organization` seeds an organization instead:
the management account (the one the default credentials act in, 123456789012) plus N-1 member
accounts created with Organizations' CreateAccount, so N accounts in all, each holding the
fleet above (its own bucket, profile, code signing config, layers and ``functions`` functions).
Every member has the ``OrganizationAccountAccessRole`` CreateAccount makes, which the management
account may assume; the last ``unassumable_accounts`` members get a trust policy that denies it
(AssumeRole answers AccessDenied), for fault tests. Security Hub is enabled in every account, with
the management account as the organization's Security Hub administrator and every member its
member, so GetFindings there sees the members' findings. Without ``accounts`` nothing of this
happens and the seed is the single-account one above.

Speed comes from skipping HTTP and from signing each package once: the functions share the
signed function package (as a fleet built from one artifact would), and the deploy-time ECDSA
check of one signature is memoized (:func:`localaws.signing.verify_integrity`). The README's
local AWS section has the measured times.
"""

from __future__ import annotations

import gc
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any

from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition

from localaws.backend_clients import PatchesNotInstalled, backend_clients
from localaws.organizations.models import MEMBER_ROLE_NAME
from localaws.world import FunctionSpec, LayerSpec, World, package

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
MAX_FUNCTIONS = 100_000
MAX_LAYERS = 5  # Lambda attaches at most 5 layers to a function
MAX_PREFIX = 20  # keeps "<prefix>fn-<run>-<index>" within Lambda's 64-character names
MAX_ACCOUNTS = 100
#: Signer's longest signature validity (135 months): a seeded fleet does not expire.
SEED_VALIDITY = {"value": 135, "type": "MONTHS"}
FUNCTION_PACKAGE = package({"index.py": "def handler(event, context):\n    return 'seeded'\n"})


class SeedError(ValueError):
    """The seed request is invalid; the message says which field and why."""


@dataclass(frozen=True)
class SeedRequest:
    functions: int
    layers: int = 2
    prefix: str = "seed-"
    policy: str = "Enforce"
    runtime: str = "python3.12"
    account_id: str = DEFAULT_ACCOUNT_ID
    region: str = DEFAULT_REGION
    #: None: one account (``account_id``); N: an organization of N accounts (see above).
    accounts: int | None = None
    unassumable_accounts: int = 0

    @classmethod
    def from_json(cls, document: Any) -> SeedRequest:
        """Validate the admin endpoint's JSON body (camelCase keys)."""
        if not isinstance(document, dict):
            raise SeedError('expected a JSON object like {"functions": 100}')
        names = {
            "functions": "functions",
            "layers": "layers",
            "prefix": "prefix",
            "policy": "policy",
            "runtime": "runtime",
            "accountId": "account_id",
            "region": "region",
            "accounts": "accounts",
            "unassumableAccounts": "unassumable_accounts",
        }
        unknown = set(document) - set(names)
        if unknown:
            raise SeedError(f"unknown field(s): {', '.join(sorted(unknown))}")
        values = {names[key]: value for key, value in document.items()}
        request = cls(**values)
        request.validate()
        return request

    def validate(self) -> None:
        if not isinstance(self.functions, int) or not 1 <= self.functions <= MAX_FUNCTIONS:
            raise SeedError(f"functions must be an integer from 1 to {MAX_FUNCTIONS}")
        if not isinstance(self.layers, int) or not 0 <= self.layers <= MAX_LAYERS:
            raise SeedError(f"layers must be an integer from 0 to {MAX_LAYERS}")
        if self.accounts is not None and (
            not isinstance(self.accounts, int)
            or isinstance(self.accounts, bool)
            or not 1 <= self.accounts <= MAX_ACCOUNTS
        ):
            raise SeedError(f"accounts must be an integer from 1 to {MAX_ACCOUNTS}")
        members = (self.accounts or 1) - 1
        if not isinstance(self.unassumable_accounts, int) or not (
            0 <= self.unassumable_accounts <= members
        ):
            raise SeedError(
                f"unassumableAccounts must be an integer from 0 to the number of member accounts "
                f"({members}); it needs accounts"
            )
        if self.policy not in ("Enforce", "Warn"):
            raise SeedError("policy must be Enforce or Warn")
        if (
            not isinstance(self.prefix, str)
            or not self.prefix.replace("-", "").isalnum()
            or not self.prefix.isascii()
            or len(self.prefix) > MAX_PREFIX
        ):
            raise SeedError(
                f"prefix must be up to {MAX_PREFIX} ASCII letters, digits and '-' "
                "(it starts every name, and bucket and function names are short)"
            )


@dataclass(frozen=True)
class SeedResult:
    """What was created; camelCase in JSON (``to_json``)."""

    function_names: list[str]
    bucket: str
    role_arn: str
    profile_name: str
    profile_version_arn: str
    code_signing_config_arn: str
    signing_job_arn: str
    signed_object: dict[str, str]
    code_sha256: str
    layer_version_arns: list[str]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        def camel(name: str) -> str:
            head, *rest = name.split("_")
            return head + "".join(part.capitalize() for part in rest)

        return {camel(key): value for key, value in asdict(self).items()}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The garbage collector off while a seed runs: every function adds objects that live on,
    and the collector's passes would scan the whole growing backend state again and again (as
    a bulk load does, the seed makes no cycles worth collecting meanwhile)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def seed(request: SeedRequest) -> SeedResult:
    """Create the fleet described in the module docstring. Call under the server's moto lock."""
    with _collector_paused():
        return _seed(request)


def _seed(request: SeedRequest) -> SeedResult:
    request.validate()
    started = time.perf_counter()
    try:
        clients = backend_clients(request.account_id, request.region)
    except PatchesNotInstalled as error:
        raise SeedError(str(error)) from None
    run = uuid.uuid4().hex[:8]
    # 1. bucket and role
    world = World.create(
        clients,
        bucket=f"{request.prefix}artifacts-{run}".lower(),
        role=f"{request.prefix}lambda-{run}",
        role_description="seeded by localaws",
    )
    width = len(str(request.functions - 1))
    every_layer = tuple(range(request.layers))
    # 2-6: one profile (Signer profile names allow letters, digits and underscores), each
    # package signed once, the config, the layers, the functions
    deployment = world.deployment(
        (
            FunctionSpec(
                package=FUNCTION_PACKAGE,
                name=f"{request.prefix}fn-{run}-{index:0{width}d}",
                layers=every_layer,
                runtime=request.runtime,
                publish=True,
                unsigned_key="unsigned/function.zip",
            )
            for index in range(request.functions)
        ),
        layers=[
            LayerSpec(
                package=package({f"python/seed_layer_{index}.py": f"N = {index}\n"}),
                name=f"{request.prefix}layer-{index}-{run}",
                unsigned_key=f"unsigned/layer-{index}.zip",
                runtimes=(request.runtime,),
            )
            for index in range(request.layers)
        ],
        policy=request.policy,
        profile_name=f"{request.prefix}{run}".replace("-", "_"),
        validity=SEED_VALIDITY,
        csc_description=f"seeded by localaws ({request.functions} functions)",
        pin_versions=True,
    )
    first = deployment.functions[0]
    return SeedResult(
        function_names=[function.name for function in deployment.functions],
        bucket=world.bucket,
        role_arn=world.role_arn,
        profile_name=deployment.profile.name,
        profile_version_arn=deployment.profile.version_arn,
        code_signing_config_arn=deployment.csc_arn,
        signing_job_arn=str(first.signing_job_arn),
        signed_object=first.artifact.code,
        code_sha256=first.code_sha256,
        layer_version_arns=[layer.arn for layer in deployment.layers],
        seconds=round(time.perf_counter() - started, 3),
    )


@dataclass(frozen=True)
class SeededAccount:
    account_id: str
    name: str
    email: str
    management: bool
    #: The role the management account assumes into this member (None for the management one).
    access_role_arn: str | None
    #: Whether the management account may assume ``access_role_arn`` (None for the management
    #: one).
    assumable: bool | None
    fleet: SeedResult

    def to_json(self) -> dict[str, Any]:
        return {
            "accountId": self.account_id,
            "name": self.name,
            "email": self.email,
            "management": self.management,
            "accessRoleArn": self.access_role_arn,
            "assumable": self.assumable,
            **self.fleet.to_json(),
        }


@dataclass(frozen=True)
class OrganizationSeedResult:
    organization_id: str
    management_account_id: str
    role_name: str
    security_hub_administrator: str
    accounts: list[SeededAccount]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "organizationId": self.organization_id,
            "managementAccountId": self.management_account_id,
            "roleName": self.role_name,
            "securityHubAdministrator": self.security_hub_administrator,
            "accounts": [account.to_json() for account in self.accounts],
            "seconds": self.seconds,
        }


def _deny_management(iam: Any, role_name: str, management_account_id: str, partition: str) -> None:
    """Make a member's access role unassumable: an explicit Deny of the management account."""
    policy = json.loads(iam.get_role(role_name).assume_role_policy_document)
    policy["Statement"].append(
        {
            "Sid": "SeededUnassumable",
            "Effect": "Deny",
            "Principal": {"AWS": f"arn:{partition}:iam::{management_account_id}:root"},
            "Action": "sts:AssumeRole",
        }
    )
    iam.update_assume_role_policy(role_name, json.dumps(policy))


def seed_organization(request: SeedRequest) -> OrganizationSeedResult:
    """Seed an organization of ``request.accounts`` accounts (see the module docstring). Call
    under the server's moto lock."""
    with _collector_paused():
        return _seed_organization(request)


def _seed_organization(request: SeedRequest) -> OrganizationSeedResult:
    from moto.organizations.models import organizations_backends
    from moto.securityhub.models import securityhub_backends

    request.validate()
    if request.accounts is None:
        raise SeedError("seed_organization needs accounts")
    started = time.perf_counter()
    partition = get_partition(request.region)
    management_id = request.account_id
    organizations = organizations_backends[management_id][partition]
    if organizations.org is None:
        if management_id in organizations_backends.master_accounts:
            raise SeedError(f"account {management_id} is a member of another organization")
        organizations.create_organization(region=request.region, FeatureSet="ALL")
    assert organizations.org is not None
    run = uuid.uuid4().hex[:8]
    members = []
    for index in range(1, request.accounts):
        name = f"{request.prefix}member-{index}-{run}"
        status = organizations.create_account(AccountName=name, Email=f"{name}@example.com")
        members.append((status["CreateAccountStatus"]["AccountId"], name, f"{name}@example.com"))
    unassumable = {
        account_id for account_id, _, _ in members[len(members) - request.unassumable_accounts :]
    }
    for account_id in unassumable:
        _deny_management(
            iam_backends[account_id][partition], MEMBER_ROLE_NAME, management_id, partition
        )

    seeded = []
    everyone = [(management_id, "management", organizations.org.master_account_email), *members]
    for account_id, name, email in everyone:
        fleet = _seed(
            replace(request, account_id=account_id, accounts=None, unassumable_accounts=0)
        )
        securityhub_backends[account_id][request.region].enable_security_hub(
            enable_default_standards=False
        )
        is_management = account_id == management_id
        seeded.append(
            SeededAccount(
                account_id=account_id,
                name=name,
                email=email,
                management=is_management,
                access_role_arn=None
                if is_management
                else f"arn:{partition}:iam::{account_id}:role/{MEMBER_ROLE_NAME}",
                assumable=None if is_management else account_id not in unassumable,
                fleet=fleet,
            )
        )
    hub = securityhub_backends[management_id][request.region]
    hub.enable_organization_admin_account(management_id)
    hub.create_members([{"AccountId": account_id} for account_id, _, _ in members])
    return OrganizationSeedResult(
        organization_id=organizations.org.id,
        management_account_id=management_id,
        role_name=MEMBER_ROLE_NAME,
        security_hub_administrator=management_id,
        accounts=seeded,
        seconds=round(time.perf_counter() - started, 3),
    )

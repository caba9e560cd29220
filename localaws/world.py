"""The one builder of signed worlds: the code-signing recipe, written once, over any transport.

The recipe is the stack's (DESIGN.md §4) without Terraform:

1. a versioned artifacts bucket and a Lambda execution role (:meth:`World.create`);
2. a Signer signing profile, platform ``AWSLambda-SHA384-ECDSA`` (:meth:`World.profile`);
3. a package uploaded unsigned and that object *version* signed by a signing job, waited for
   (:meth:`World.sign`);
4. a code signing config allowing profile versions, ``Enforce`` unless told (:meth:`World.csc`);
5. layer versions published from signed objects (:meth:`World.layer`);
6. functions created from signed objects under the config (:meth:`World.function`), published
   versions and aliases; :meth:`World.deployment` does 2-6 for a whole fleet of
   :class:`FunctionSpec` in one call.

It is written against :class:`Clients`: four objects with the boto3 client methods the recipe
calls (the ``*Api`` protocols below are that interface). Two transports provide them:

- boto3 clients: real HTTP to the local AWS (:meth:`Clients.for_endpoint`), or a session of a
  real AWS account (:meth:`Clients.from_session`; the conformance kit);
- :func:`localaws.backend_clients.backend_clients`: the same calls on moto's backends inside
  the server's process, for the seeder's speed (``python -m localaws seed``).

So this module imports only the standard library (boto3 when a boto3 transport is built): the
conformance kit and the benchmarks import it without moto.

Everything the builder creates is recorded, in creation order, in :attr:`World.created`, right
after the call that created it; :meth:`World.teardown` undoes those records newest first
(dependency order), each failure reported and the rest still undone: what a run in a real
account needs. The tests' worlds go away with their local AWS and are never torn down.
"""

from __future__ import annotations

import enum
import hashlib
import io
import json
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Protocol

LAMBDA_PLATFORM_ID = "AWSLambda-SHA384-ECDSA"
DEFAULT_REGION = "us-east-1"
DEFAULT_RUNTIME = "python3.12"
DEFAULT_HANDLER = "index.handler"
DEFAULT_HANDLER_SOURCE = "def handler(event, context):\n    return 'ok'\n"
DEFAULT_VALIDITY: Mapping[str, Any] = {"value": 365, "type": "DAYS"}
SIGNED_PREFIX = "signed/"
UNSIGNED_PREFIX = "unsigned/"
FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
#: The trust policy of a Lambda execution role.
LAMBDA_TRUST_POLICY: Mapping[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
#: The dummy credentials boto3 clients of the local AWS use.
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class WorldError(RuntimeError):
    """A step of the recipe did not do what it must (a job failed, a wait ran out)."""


# --- packages ---------------------------------------------------------------------------------


def package(files: Mapping[str, str | bytes]) -> bytes:
    """A deterministic Lambda zip of ``files``: sorted, fixed timestamps, mode 0644, stored
    (not deflated: the entries' bytes can be found in the package, and its size is real)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def make_zip(source: str = DEFAULT_HANDLER_SOURCE) -> bytes:
    """A function package whose ``index.py`` is ``source``."""
    return package({"index.py": source})


def unique(prefix: str) -> str:
    """``prefix`` plus ten random hex digits: a name no other run on the same account has."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


# --- the client interface ---------------------------------------------------------------------
# The calls the recipe makes, with boto3's method names and request members; replies are read
# for the members named in the comments only (a boto3 reply has more).


class S3Api(Protocol):
    def create_bucket(self, **request: Any) -> Any: ...
    def put_bucket_versioning(self, **request: Any) -> Any: ...
    def put_public_access_block(self, **request: Any) -> Any: ...
    def put_object(self, **request: Any) -> Any: ...  # VersionId
    def head_object(self, **request: Any) -> Any: ...  # VersionId
    def get_object(self, **request: Any) -> Any: ...  # Body


class IamApi(Protocol):
    def create_role(self, **request: Any) -> Any: ...  # Role.Arn
    def put_role_policy(self, **request: Any) -> Any: ...


class SignerApi(Protocol):
    def put_signing_profile(self, **request: Any) -> Any: ...  # profileVersion(Arn)
    def start_signing_job(self, **request: Any) -> Any: ...  # jobId
    def describe_signing_job(self, **request: Any) -> Any: ...  # status, signedObject, ...


class LambdaApi(Protocol):
    def create_code_signing_config(self, **request: Any) -> Any: ...  # CodeSigningConfig
    def publish_layer_version(self, **request: Any) -> Any: ...  # LayerVersionArn, Version
    def create_function(self, **request: Any) -> Any: ...  # FunctionName, FunctionArn, Version
    def publish_version(self, **request: Any) -> Any: ...  # Version
    def create_alias(self, **request: Any) -> Any: ...  # AliasArn


@dataclass(frozen=True)
class Clients:
    """The four clients the recipe calls, and the region they act in."""

    s3: S3Api
    iam: IamApi
    signer: SignerApi
    lambda_: LambdaApi
    region: str

    @classmethod
    def from_factory(cls, client: Callable[[str], Any], region: str) -> Clients:
        """From ``client(service)``: a boto3 session's ``client``, a ``LocalAws.client``."""
        return cls(
            s3=client("s3"),
            iam=client("iam"),
            signer=client("signer"),
            lambda_=client("lambda"),
            region=region,
        )

    @classmethod
    def from_session(cls, session: Any, config: Any = None) -> Clients:
        """boto3 clients of a session (a real account, or AWS_ENDPOINT_URL's local AWS)."""
        return cls.from_factory(
            lambda service: session.client(service, config=config), str(session.region_name)
        )

    @classmethod
    def for_endpoint(
        cls,
        endpoint_url: str,
        *,
        ca_bundle: str | None = None,
        region: str = DEFAULT_REGION,
        **config: Any,
    ) -> Clients:
        """boto3 clients of the local AWS at ``endpoint_url`` (dummy credentials);
        ``config``: botocore Config options (``retries``, ``max_pool_connections``, ...)."""
        import boto3
        from botocore.config import Config

        make: Any = boto3.client  # typed per service literal; ours are plain strings

        def client(service: str) -> Any:
            return make(
                service,
                endpoint_url=endpoint_url,
                region_name=region,
                verify=ca_bundle if ca_bundle is not None else None,
                config=Config(**config) if config else None,
                **LOCAL_CREDENTIALS,
            )

        return cls.from_factory(client, region)


# --- what was built ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    name: str
    version: str
    version_arn: str


@dataclass(frozen=True)
class SignedArtifact:
    """One package through Signer: its signing job and the signed object it wrote."""

    #: DescribeSigningJob's reply for the (succeeded) job.
    job: Mapping[str, Any]
    #: The signed object's version id, when asked for (``sign(pin_version=True)``): Signer's
    #: reply names the object by bucket and key only.
    signed_version: str | None = None

    @property
    def job_id(self) -> str:
        return str(self.job["jobId"])

    @property
    def source(self) -> Mapping[str, str]:
        """``bucketName``, ``key`` and ``version`` of the unsigned object version."""
        return dict(self.job["source"]["s3"])

    @property
    def signed_object(self) -> Mapping[str, str]:
        """``bucketName`` and ``key`` of the signed object."""
        return dict(self.job["signedObject"]["s3"])

    @property
    def code(self) -> dict[str, str]:
        """Lambda's ``Code``/``Content`` for the signed object (pinned when the version is
        known)."""
        signed = self.signed_object
        code = {"S3Bucket": signed["bucketName"], "S3Key": signed["key"]}
        if self.signed_version is not None:
            code["S3ObjectVersion"] = self.signed_version
        return code


@dataclass(frozen=True)
class Layer:
    name: str
    version: int
    arn: str  # the layer version's ARN
    artifact: SignedArtifact


@dataclass(frozen=True)
class Function:
    name: str
    arn: str
    #: Base64 SHA-256 of the deployed package, as CreateFunction replied.
    code_sha256: str
    artifact: SignedArtifact
    #: The job Lambda found the package signed by (CreateFunction's ``SigningJobArn``).
    signing_job_arn: str | None
    #: The version CreateFunction published (``publish``), else None.
    version: str | None = None
    alias_arn: str | None = None


class Kind(enum.Enum):
    """What :attr:`World.created` records, with the verb that undoes it."""

    BUCKET = "delete bucket"
    ROLE = "delete role"
    SIGNING_PROFILE = "cancel signing profile"
    CODE_SIGNING_CONFIG = "delete code signing config"
    LAYER_VERSION = "delete layer version"
    FUNCTION = "delete function"


@dataclass(frozen=True)
class Created:
    kind: Kind
    #: The name (an ARN for a code signing config); a layer version also has its number.
    name: str
    number: int | None = None

    @property
    def description(self) -> str:
        suffix = f":{self.number}" if self.number is not None else ""
        return f"{self.kind.value} {self.name}{suffix}"


@dataclass(frozen=True)
class Waits:
    """How long to wait for what real AWS does asynchronously. The local AWS completes jobs
    and functions at once, so there the defaults never sleep."""

    job_timeout_seconds: float = 300.0
    job_poll_seconds: float = 2.0
    #: A new role is not assumable by Lambda for a few seconds (IAM propagation).
    role_propagation_attempts: int = 12
    role_propagation_delay_seconds: float = 5.0
    #: Wait (boto3's waiters) until a new function and each published version are Active.
    functions_active: bool = False
    function_state_delay_seconds: int = 2
    function_state_attempts: int = 90
    #: A code signing config can stay "in use" briefly after DeleteFunction.
    csc_delete_attempts: int = 10
    csc_delete_retry_seconds: float = 3.0


#: What a run in a real account waits for.
REAL_AWS_WAITS = Waits(functions_active=True)


# --- a whole deployment in one call ------------------------------------------------------------


@dataclass(frozen=True)
class LayerSpec:
    package: bytes
    name: str | None = None
    unsigned_key: str | None = None
    signed_prefix: str = SIGNED_PREFIX
    runtimes: tuple[str, ...] = (DEFAULT_RUNTIME,)
    description: str | None = None


@dataclass(frozen=True)
class FunctionSpec:
    """One function of :meth:`World.deployment`. Functions whose package, unsigned key and
    signed prefix are equal share one signing job (one artifact deployed many times)."""

    package: bytes
    name: str | None = None
    #: Indexes into the deployment's layers.
    layers: tuple[int, ...] = ()
    handler: str = DEFAULT_HANDLER
    runtime: str = DEFAULT_RUNTIME
    architectures: tuple[str, ...] | None = None
    environment: Mapping[str, str] | None = None
    publish: bool = False
    #: An alias to the published version (needs ``publish``).
    alias: str | None = None
    #: Where the unsigned package goes (default: a unique key under ``unsigned/``).
    unsigned_key: str | None = None
    signed_prefix: str = SIGNED_PREFIX
    description: str | None = None


@dataclass(frozen=True)
class Deployment:
    """What :meth:`World.deployment` built (the world holds the bucket and the role)."""

    world: World
    profile: Profile
    csc_arn: str
    policy: str
    layers: tuple[Layer, ...]
    functions: tuple[Function, ...]


# --- the builder ------------------------------------------------------------------------------


class World:
    """The recipe's steps on one account and region, through ``clients``.

    Names default to unique ones; pass ``name=`` for a naming scheme of your own. Each step
    returns what it built; :attr:`created` records every resource as soon as it exists.
    """

    def __init__(
        self,
        clients: Clients,
        *,
        bucket: str | None = None,
        role_arn: str | None = None,
        waits: Waits = Waits(),
    ) -> None:
        self.clients = clients
        self.region = clients.region
        self.waits = waits
        self.created: list[Created] = []
        self._bucket = bucket
        self._role_arn = role_arn

    @classmethod
    def create(
        cls,
        clients: Clients,
        *,
        bucket: str | None = None,
        role: str | None = None,
        role_description: str | None = None,
        waits: Waits = Waits(),
    ) -> World:
        """A world with a new versioned artifacts bucket and a new Lambda execution role."""
        world = cls(clients, waits=waits)
        world.new_bucket(bucket)
        world.new_role(role, description=role_description)
        return world

    @property
    def bucket(self) -> str:
        """The artifacts bucket: unsigned packages, and by default the signed objects."""
        if self._bucket is None:
            raise WorldError("this world has no artifacts bucket yet (new_bucket)")
        return self._bucket

    @property
    def role_arn(self) -> str:
        """The execution role of the functions this world creates."""
        if self._role_arn is None:
            raise WorldError("this world has no execution role yet (new_role)")
        return self._role_arn

    def _record(self, kind: Kind, name: str, number: int | None = None) -> None:
        self.created.append(Created(kind, name, number))

    # 1. bucket and role

    def new_bucket(self, name: str | None = None, *, block_public_access: bool = False) -> str:
        """A versioned bucket (the first one becomes the artifacts bucket)."""
        name = name or unique("artifacts-")
        request: dict[str, Any] = {"Bucket": name}
        if self.region != "us-east-1":  # us-east-1 refuses a LocationConstraint of itself
            request["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        self.clients.s3.create_bucket(**request)
        self._record(Kind.BUCKET, name)
        if block_public_access:
            self.clients.s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )
        self.clients.s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": "Enabled"}
        )
        if self._bucket is None:
            self._bucket = name
        return name

    def new_role(
        self,
        name: str | None = None,
        *,
        description: str | None = None,
        policies: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> str:
        """A Lambda execution role with inline ``policies`` (name -> document); the first one
        becomes the world's execution role. Returns its ARN."""
        name = name or unique("lambda-role-")
        request: dict[str, Any] = {
            "RoleName": name,
            "AssumeRolePolicyDocument": json.dumps(LAMBDA_TRUST_POLICY),
        }
        if description:
            request["Description"] = description
        arn = str(self.clients.iam.create_role(**request)["Role"]["Arn"])
        self._record(Kind.ROLE, name)
        for policy_name, document in (policies or {}).items():
            self.clients.iam.put_role_policy(
                RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
            )
        if self._role_arn is None:
            self._role_arn = arn
        return arn

    # 2. signing profile

    def profile(
        self, validity: Mapping[str, Any] | None = None, *, name: str | None = None
    ) -> Profile:
        """A signing profile (Signer names allow letters, digits and underscores)."""
        name = name or unique("profile_")
        reply = self.clients.signer.put_signing_profile(
            profileName=name,
            platformId=LAMBDA_PLATFORM_ID,
            signatureValidityPeriod=dict(validity or DEFAULT_VALIDITY),
        )
        self._record(Kind.SIGNING_PROFILE, name)
        return Profile(name, str(reply["profileVersion"]), str(reply["profileVersionArn"]))

    # 3. upload and sign

    def upload(
        self, data: bytes, key: str | None = None, *, bucket: str | None = None
    ) -> tuple[str, str]:
        """Put ``data`` unsigned; its key and version id."""
        key = key or f"{UNSIGNED_PREFIX}{unique('pkg-')}.zip"
        reply = self.clients.s3.put_object(Bucket=bucket or self.bucket, Key=key, Body=data)
        return key, str(reply["VersionId"])

    def signing_job(
        self,
        profile: Profile,
        data: bytes | None = None,
        *,
        key: str | None = None,
        prefix: str = SIGNED_PREFIX,
        destination_bucket: str | None = None,
    ) -> dict[str, Any]:
        """Upload ``data`` (default: a small handler package) and start a signing job for that
        object version, into ``prefix`` of ``destination_bucket`` (default: the artifacts
        bucket); DescribeSigningJob's reply once the job ended, Succeeded or Failed."""
        key, version = self.upload(data if data is not None else make_zip(), key)
        job_id = str(
            self.clients.signer.start_signing_job(
                source={"s3": {"bucketName": self.bucket, "key": key, "version": version}},
                destination={
                    "s3": {"bucketName": destination_bucket or self.bucket, "prefix": prefix}
                },
                profileName=profile.name,
                clientRequestToken=str(uuid.uuid4()),
            )["jobId"]
        )
        deadline = time.monotonic() + self.waits.job_timeout_seconds
        while True:
            job = dict(self.clients.signer.describe_signing_job(jobId=job_id))
            if job.get("status") in ("Succeeded", "Failed"):
                return job
            if time.monotonic() >= deadline:
                raise WorldError(
                    f"signing job {job_id} still {job.get('status')} after "
                    f"{self.waits.job_timeout_seconds:g} s"
                )
            time.sleep(self.waits.job_poll_seconds)

    def sign(
        self,
        profile: Profile,
        data: bytes | None = None,
        *,
        pin_version: bool = False,
        **placement: Any,
    ) -> SignedArtifact:
        """:meth:`signing_job` (``placement``: its ``key``, ``prefix`` and
        ``destination_bucket``), which must succeed. ``pin_version`` also reads the signed
        object's version id (one HeadObject), so functions deploy that exact version."""
        job = self.signing_job(profile, data, **placement)
        if job.get("status") != "Succeeded":
            reason = job.get("statusReason") or "no reason"
            raise WorldError(f"signing job {job['jobId']} failed: {reason}")
        artifact = SignedArtifact(job)
        if pin_version:
            signed = artifact.signed_object
            head = self.clients.s3.head_object(Bucket=signed["bucketName"], Key=signed["key"])
            artifact = replace(artifact, signed_version=str(head["VersionId"]))
        return artifact

    def signed_bytes(self, signed: SignedArtifact | Mapping[str, Any]) -> bytes:
        """The bytes of an artifact's (or a DescribeSigningJob reply's) signed object, whole,
        in memory: for small test packages."""
        artifact = signed if isinstance(signed, SignedArtifact) else SignedArtifact(signed)
        code = artifact.code
        request = {"Bucket": code["S3Bucket"], "Key": code["S3Key"]}
        if "S3ObjectVersion" in code:
            request["VersionId"] = code["S3ObjectVersion"]
        return bytes(self.clients.s3.get_object(**request)["Body"].read())

    # 4. code signing config

    def csc(
        self,
        policy: str = "Enforce",
        publishers: Sequence[str] = (),
        *,
        description: str | None = None,
    ) -> str:
        """A code signing config allowing ``publishers`` (profile version ARNs); its ARN."""
        request: dict[str, Any] = {
            "AllowedPublishers": {"SigningProfileVersionArns": list(publishers)},
            "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": policy},
        }
        if description:
            request["Description"] = description
        reply = self.clients.lambda_.create_code_signing_config(**request)
        arn = str(reply["CodeSigningConfig"]["CodeSigningConfigArn"])
        self._record(Kind.CODE_SIGNING_CONFIG, arn)
        return arn

    # 5. layers

    def layer(
        self,
        artifact: SignedArtifact,
        *,
        name: str | None = None,
        runtimes: Sequence[str] = (DEFAULT_RUNTIME,),
        description: str | None = None,
    ) -> Layer:
        """A layer version published from ``artifact``'s signed object."""
        name = name or unique("layer-")
        request: dict[str, Any] = {
            "LayerName": name,
            "Content": artifact.code,
            "CompatibleRuntimes": list(runtimes),
        }
        if description:
            request["Description"] = description
        reply = self.clients.lambda_.publish_layer_version(**request)
        number = int(reply["Version"])
        self._record(Kind.LAYER_VERSION, name, number)
        return Layer(name, number, str(reply["LayerVersionArn"]), artifact)

    # 6. functions, versions, aliases

    def create_function(
        self, code: Mapping[str, Any], csc_arn: str | None, **request: Any
    ) -> dict[str, Any]:
        """CreateFunction with this world's role and defaults (a unique name, the default
        runtime and handler), under ``csc_arn`` when given; ``request`` adds or overrides
        members. CreateFunction's reply.

        Against real AWS a role younger than a few seconds is retried (bounded)."""
        request = {
            "FunctionName": request.get("FunctionName") or unique("fn-"),
            "Role": self.role_arn,
            "Runtime": DEFAULT_RUNTIME,
            "Handler": DEFAULT_HANDLER,
            "Code": dict(code),
            **({"CodeSigningConfigArn": csc_arn} if csc_arn else {}),
            **request,
        }
        reply = self._create_function(request)
        name = str(reply["FunctionName"])
        self._record(Kind.FUNCTION, name)
        if self.waits.functions_active:
            self._wait("function_active_v2", FunctionName=name)
        return reply

    def _create_function(self, request: Mapping[str, Any]) -> dict[str, Any]:
        for attempt in range(1, self.waits.role_propagation_attempts + 1):
            try:
                return dict(self.clients.lambda_.create_function(**request))
            except Exception as error:
                if not _role_propagating(error) or attempt == self.waits.role_propagation_attempts:
                    raise
                time.sleep(self.waits.role_propagation_delay_seconds)
        raise AssertionError("unreachable")

    def function(
        self,
        artifact: SignedArtifact,
        csc_arn: str | None,
        *,
        name: str | None = None,
        layers: Sequence[str] = (),
        handler: str = DEFAULT_HANDLER,
        runtime: str = DEFAULT_RUNTIME,
        architectures: Sequence[str] | None = None,
        environment: Mapping[str, str] | None = None,
        publish: bool = False,
        alias: str | None = None,
        description: str | None = None,
    ) -> Function:
        """A function deployed from ``artifact``'s signed object under ``csc_arn``, with the
        layer versions ``layers`` (ARNs); ``publish`` publishes version 1, ``alias`` names it."""
        request: dict[str, Any] = {
            "Handler": handler,
            "Runtime": runtime,
            "Layers": list(layers),
            "Publish": publish,
        }
        if name:
            request["FunctionName"] = name
        if architectures:
            request["Architectures"] = list(architectures)
        if environment:
            request["Environment"] = {"Variables": dict(environment)}
        if description:
            request["Description"] = description
        reply = self.create_function(artifact.code, csc_arn, **request)
        version = str(reply["Version"]) if publish else None
        arn = str(reply["FunctionArn"])
        function = Function(
            name=str(reply["FunctionName"]),
            # A published version's reply may name it qualified; the function's ARN is not.
            arn=arn.removesuffix(f":{version}") if version else arn,
            code_sha256=str(reply["CodeSha256"]),
            artifact=artifact,
            signing_job_arn=reply.get("SigningJobArn"),
            version=version,
        )
        if publish and self.waits.functions_active:
            self._wait("published_version_active", FunctionName=function.name, Qualifier=version)
        if alias is not None:
            if function.version is None:
                raise WorldError(f"alias {alias} of {function.name} needs a published version")
            created = self.clients.lambda_.create_alias(
                FunctionName=function.name, Name=alias, FunctionVersion=function.version
            )
            function = replace(function, alias_arn=str(created["AliasArn"]))
        return function

    def publish_version(self, function_name: str) -> str:
        """Publish ``$LATEST``; the new version's number."""
        version = str(self.clients.lambda_.publish_version(FunctionName=function_name)["Version"])
        if self.waits.functions_active:
            self._wait("published_version_active", FunctionName=function_name, Qualifier=version)
        return version

    def _wait(self, waiter: str, **request: Any) -> None:
        # Waiters are boto3's: only a boto3 transport gets here (Waits.functions_active).
        lambda_: Any = self.clients.lambda_
        lambda_.get_waiter(waiter).wait(
            **request,
            WaiterConfig={
                "Delay": self.waits.function_state_delay_seconds,
                "MaxAttempts": self.waits.function_state_attempts,
            },
        )

    # 2-6 for a fleet

    def deployment(
        self,
        functions: Iterable[FunctionSpec],
        *,
        layers: Sequence[LayerSpec] = (),
        policy: str = "Enforce",
        profile: Profile | None = None,
        profile_name: str | None = None,
        validity: Mapping[str, Any] | None = None,
        csc_description: str | None = None,
        pin_versions: bool = False,
        workers: int = 1,
        progress: Callable[[int], None] | None = None,
    ) -> Deployment:
        """A profile (unless given), a code signing config allowing exactly it, the ``layers``
        signed and published, then ``functions`` signed and deployed under the config.

        ``pin_versions`` deploys each signed object by version id; ``workers`` creates that
        many functions at once (boto3 transports only: the in-process one runs under the
        server's one lock); ``progress(n)`` is told how many functions exist so far."""
        profile = profile or self.profile(validity, name=profile_name)
        csc_arn = self.csc(policy, [profile.version_arn], description=csc_description)
        built_layers = tuple(
            self.layer(
                self.sign(
                    profile,
                    spec.package,
                    key=spec.unsigned_key,
                    prefix=spec.signed_prefix,
                    pin_version=pin_versions,
                ),
                name=spec.name,
                runtimes=spec.runtimes,
                description=spec.description,
            )
            for spec in layers
        )
        signed: dict[tuple[str, str | None, str], SignedArtifact] = {}

        def deploy(spec: FunctionSpec) -> Function:
            identity = (
                hashlib.sha256(spec.package).hexdigest(),
                spec.unsigned_key,
                spec.signed_prefix,
            )
            artifact = signed.get(identity)
            if artifact is None:
                artifact = self.sign(
                    profile,
                    spec.package,
                    key=spec.unsigned_key,
                    prefix=spec.signed_prefix,
                    pin_version=pin_versions,
                )
                signed[identity] = artifact
            return self.function(
                artifact,
                csc_arn,
                name=spec.name,
                layers=[built_layers[index].arn for index in spec.layers],
                handler=spec.handler,
                runtime=spec.runtime,
                architectures=spec.architectures,
                environment=spec.environment,
                publish=spec.publish,
                alias=spec.alias,
                description=spec.description,
            )

        built: list[Function] = []
        if workers <= 1:
            for spec in functions:
                built.append(deploy(spec))
                if progress is not None:
                    progress(len(built))
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for function in pool.map(deploy, functions):
                    built.append(function)
                    if progress is not None:
                        progress(len(built))
        return Deployment(
            world=self,
            profile=profile,
            csc_arn=csc_arn,
            policy=policy,
            layers=built_layers,
            functions=tuple(built),
        )

    # undo

    def teardown(self) -> list[tuple[Created, Exception]]:
        """Undo everything recorded in :attr:`created`, newest first; each failure is
        returned with its record and the rest are still undone. Needs boto3 clients."""
        failures = []
        while self.created:
            record = self.created.pop()
            try:
                self.undo(record)
            except Exception as error:  # reported by the caller; never stops the rest
                failures.append((record, error))
        return failures

    def undo(self, record: Created) -> None:
        """Delete (a profile: cancel) one recorded resource."""
        if record.kind is Kind.FUNCTION:
            self._lambda().delete_function(FunctionName=record.name)
        elif record.kind is Kind.LAYER_VERSION:
            self._lambda().delete_layer_version(LayerName=record.name, VersionNumber=record.number)
        elif record.kind is Kind.CODE_SIGNING_CONFIG:
            self._delete_csc(record.name)
        elif record.kind is Kind.SIGNING_PROFILE:
            self._cancel_profile(record.name)
        elif record.kind is Kind.ROLE:
            self._delete_role(record.name)
        elif record.kind is Kind.BUCKET:
            self._delete_bucket(record.name)
        else:  # pragma: no cover - Kind is closed
            raise AssertionError(record.kind)

    # Teardown uses boto3 calls beyond the build interface (paginators, deletes).
    def _lambda(self) -> Any:
        return self.clients.lambda_

    def _delete_csc(self, arn: str) -> None:
        for attempt in range(1, self.waits.csc_delete_attempts + 1):
            try:
                self._lambda().delete_code_signing_config(CodeSigningConfigArn=arn)
                return
            except Exception as error:
                in_use = _error_code(error) == "ResourceConflictException"
                if not in_use or attempt == self.waits.csc_delete_attempts:
                    raise
                time.sleep(self.waits.csc_delete_retry_seconds)

    def _cancel_profile(self, name: str) -> None:
        # Canceled at most once: cancelling a Canceled profile is refused.
        signer: Any = self.clients.signer
        if signer.get_signing_profile(profileName=name)["status"] != "Canceled":
            signer.cancel_signing_profile(profileName=name)

    def _delete_role(self, name: str) -> None:
        iam: Any = self.clients.iam
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
            for policy_name in page.get("PolicyNames", []):
                iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
        iam.delete_role(RoleName=name)

    def _delete_bucket(self, name: str) -> None:
        s3: Any = self.clients.s3
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
            doomed = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            if doomed:
                reply = s3.delete_objects(Bucket=name, Delete={"Objects": doomed, "Quiet": True})
                if reply.get("Errors"):
                    first = reply["Errors"][0]
                    raise WorldError(
                        f"{len(reply['Errors'])} object version(s) not deleted, e.g. "
                        f"{first.get('Key')} {first.get('VersionId')}: {first.get('Code')}"
                    )
        s3.delete_bucket(Bucket=name)


def _error_code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


def _role_propagating(error: Exception) -> bool:
    """Lambda's refusal of a role IAM has not propagated yet (a botocore ClientError)."""
    response = getattr(error, "response", None)
    message = response.get("Error", {}).get("Message", "") if isinstance(response, dict) else ""
    return _error_code(error) == "InvalidParameterValueException" and "cannot be assumed" in message

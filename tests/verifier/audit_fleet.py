"""A fleet built with boto3 against the local AWS: clean functions plus one broken in each way.

Every function's name starts with the fleet's prefix, so tests on a shared server audit only
their own fleet (``--function-prefix``). Used by the audit tests and the bench's tiny-fleet test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.localaws.localaws_support import Profile, SigningWorld, make_zip, unique

IMAGE_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:" + "0" * 64


@dataclass
class Fleet:
    world: SigningWorld
    prefix: str
    trusted: Profile
    untrusted: Profile
    layer_arn: str
    #: function key -> function name
    names: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def name(self, key: str) -> str:
        return self.names[key]

    def keys_of(self, names: set[str]) -> set[str]:
        by_name = {name: key for key, name in self.names.items()}
        return {by_name[name] for name in names if name in by_name}


def _signed_code(job: dict[str, Any]) -> dict[str, str]:
    signed = job["signedObject"]["s3"]
    return {"S3Bucket": signed["bucketName"], "S3Key": signed["key"]}


def build_fleet(world: SigningWorld, *, clean: int = 2, broken: bool = True) -> Fleet:
    """``clean`` proven functions (``$LATEST`` + version 1, a shared signed layer, one with an
    alias), and with ``broken`` one function broken in each way the audit must catch."""
    lam = world.c.lambda_
    prefix = unique("audit-") + "-"
    trusted = world.profile({"value": 365, "type": "DAYS"})
    untrusted = world.profile({"value": 365, "type": "DAYS"})
    enforce = world.csc("Enforce", [trusted.version_arn])
    layer_job = world.sign(trusted, make_zip("def helper():\n    return 1\n"))
    layer_arn = lam.publish_layer_version(
        LayerName=f"{prefix}shared",
        Content=_signed_code(layer_job),
        CompatibleRuntimes=["python3.12"],
    )["LayerVersionArn"]
    fleet = Fleet(world, prefix, trusted, untrusted, layer_arn)

    def create(key: str, csc: str | None, job: dict[str, Any] | None, **extra: Any) -> str:
        name = f"{prefix}{key}"
        code = _signed_code(job) if job is not None else {"ZipFile": make_zip(f"# {key}\n")}
        world.create_function(code, csc, FunctionName=name, **extra)
        fleet.names[key] = name
        if job is not None:
            fleet.jobs[key] = job
        return name

    def signed_job(profile: Profile, key: str) -> dict[str, Any]:
        return world.sign(profile, make_zip(f"def handler(e, c):\n    return {key!r}\n"))

    for index in range(clean):
        key = f"clean-{index}"
        name = create(key, enforce, signed_job(trusted, key), Layers=[layer_arn], Publish=True)
        if index == 0:
            lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    if not broken:
        return fleet

    # 1. No CSC: deployed signed under a CSC, which was then detached.
    name = create("no-csc", enforce, signed_job(trusted, "no-csc"), Publish=True)
    lam.delete_function_code_signing_config(FunctionName=name)
    # 2. CSC in Warn (the code itself is signed and trusted).
    warn = world.csc("Warn", [trusted.version_arn])
    create("csc-warn", warn, signed_job(trusted, "csc-warn"), Publish=True)
    # 3. Signed by an untrusted profile, under a CSC that allows it.
    intruder = world.csc("Enforce", [untrusted.version_arn])
    create("untrusted", intruder, signed_job(untrusted, "untrusted"), Publish=True)
    # 4. A revoked signature.
    create("revoked", enforce, signed_job(trusted, "revoked"), Publish=True)
    world.c.signer.revoke_signature(jobId=fleet.jobs["revoked"]["jobId"], reason="audit drill")
    # 5. Unsigned code swapped in under a briefly relaxed CSC.
    relaxed = world.csc("Enforce", [trusted.version_arn])
    name = create("swapped", relaxed, signed_job(trusted, "swapped"))
    _relax(world, relaxed, "Warn")
    lam.update_function_code(FunctionName=name, ZipFile=make_zip("print('swapped')\n"))
    _relax(world, relaxed, "Enforce")
    # 6. An unsigned version behind an alias (10% of its traffic), $LATEST signed again.
    behind = world.csc("Enforce", [trusted.version_arn])
    job = signed_job(trusted, "alias-unsigned")
    name = create("alias-unsigned", behind, job)
    _relax(world, behind, "Warn")
    lam.update_function_code(FunctionName=name, ZipFile=make_zip("print('canary')\n"))
    unsigned_version = lam.publish_version(FunctionName=name)["Version"]
    lam.update_function_code(FunctionName=name, **_signed_code(job))
    _relax(world, behind, "Enforce")
    signed_version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(
        FunctionName=name,
        Name="live",
        FunctionVersion=signed_version,
        RoutingConfig={"AdditionalVersionWeights": {unsigned_version: 0.1}},
    )
    # 7. A container image: outside Lambda code signing (a warning only).
    fleet.names["image"] = f"{prefix}image"
    lam.create_function(
        FunctionName=fleet.names["image"],
        Role=world.role_arn,
        PackageType="Image",
        Code={"ImageUri": IMAGE_URI},
    )
    return fleet


def add_unreadable(fleet: Fleet) -> str:
    """A function whose signed object the audit may not read (GetObject denied): an ERROR."""
    world = fleet.world
    bucket = unique("denied-")
    world.c.s3.create_bucket(Bucket=bucket)
    world.c.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    key, version = world.upload(make_zip("def handler(e, c):\n    return 'x'\n"))
    job_id = world.c.signer.start_signing_job(
        source={"s3": {"bucketName": world.bucket, "key": key, "version": version}},
        destination={"s3": {"bucketName": bucket, "prefix": "signed/"}},
        profileName=fleet.trusted.name,
        clientRequestToken=unique("token-"),
    )["jobId"]
    job = world.c.signer.describe_signing_job(jobId=job_id)
    csc = world.csc("Enforce", [fleet.trusted.version_arn])
    # Outside the fleet's prefix: the other tests audit the fleet without it.
    name = unique("unreadable-")
    world.create_function(_signed_code(job), csc, FunctionName=name)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    world.c.s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return name


def _relax(world: SigningWorld, csc: str, policy: str) -> None:
    world.c.lambda_.update_code_signing_config(
        CodeSigningConfigArn=csc, CodeSigningPolicies={"UntrustedArtifactOnDeployment": policy}
    )


#: What the audit must find: the function keys failing, warning only, and passing.
#: A container image cannot be proven by Lambda code signing: it fails unless allowed.
FAILING = {"no-csc", "csc-warn", "untrusted", "revoked", "swapped", "alias-unsigned", "image"}
WARNING_ONLY: set[str] = set()

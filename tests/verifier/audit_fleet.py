"""A fleet built with boto3 against the local AWS: clean functions plus one broken in each way.

Every function's name starts with the fleet's prefix, so tests on a shared server audit only
their own fleet (``--function-prefix``). Used by the audit tests and the bench's tiny-fleet test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from localaws.world import FunctionSpec, LayerSpec, Profile, SignedArtifact, World, make_zip, unique

IMAGE_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:" + "0" * 64


@dataclass
class Fleet:
    world: World
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


def handler_zip(key: str) -> bytes:
    """A package of its own for each function (each is signed by a job of its own)."""
    return make_zip(f"def handler(e, c):\n    return {key!r}\n")


def build_fleet(world: World, *, clean: int = 2, broken: bool = True) -> Fleet:
    """``clean`` proven functions (``$LATEST`` + version 1, a shared signed layer, one with an
    alias), and with ``broken`` one function broken in each way the audit must catch."""
    lam = world.clients.lambda_
    prefix = unique("audit-") + "-"
    trusted = world.profile()
    untrusted = world.profile()
    keys = [f"clean-{index}" for index in range(clean)]
    deployment = world.deployment(
        [
            FunctionSpec(
                package=handler_zip(key),
                name=f"{prefix}{key}",
                layers=(0,),
                publish=True,
                alias="live" if index == 0 else None,
            )
            for index, key in enumerate(keys)
        ],
        layers=[LayerSpec(make_zip("def helper():\n    return 1\n"), name=f"{prefix}shared")],
        profile=trusted,
    )
    enforce = deployment.csc_arn
    fleet = Fleet(world, prefix, trusted, untrusted, deployment.layers[0].arn)
    for key, function in zip(keys, deployment.functions, strict=True):
        fleet.names[key] = function.name
        fleet.jobs[key] = dict(function.artifact.job)
    if not broken:
        return fleet

    def create(key: str, csc: str, profile: Profile, *, publish: bool = False) -> str:
        signed = world.sign(profile, handler_zip(key))
        fleet.names[key] = world.function(signed, csc, name=f"{prefix}{key}", publish=publish).name
        fleet.jobs[key] = dict(signed.job)
        return fleet.names[key]

    # 1. No CSC: deployed signed under a CSC, which was then detached.
    name = create("no-csc", enforce, trusted, publish=True)
    lam.delete_function_code_signing_config(FunctionName=name)
    # 2. CSC in Warn (the code itself is signed and trusted).
    create("csc-warn", world.csc("Warn", [trusted.version_arn]), trusted, publish=True)
    # 3. Signed by an untrusted profile, under a CSC that allows it.
    create("untrusted", world.csc("Enforce", [untrusted.version_arn]), untrusted, publish=True)
    # 4. A revoked signature.
    create("revoked", enforce, trusted, publish=True)
    world.clients.signer.revoke_signature(
        jobId=fleet.jobs["revoked"]["jobId"], reason="audit drill"
    )
    # 5. Unsigned code swapped in under a briefly relaxed CSC.
    relaxed = world.csc("Enforce", [trusted.version_arn])
    name = create("swapped", relaxed, trusted)
    _relax(world, relaxed, "Warn")
    lam.update_function_code(FunctionName=name, ZipFile=make_zip("print('swapped')\n"))
    _relax(world, relaxed, "Enforce")
    # 6. An unsigned version behind an alias (10% of its traffic), $LATEST signed again.
    behind = world.csc("Enforce", [trusted.version_arn])
    name = create("alias-unsigned", behind, trusted)
    _relax(world, behind, "Warn")
    lam.update_function_code(FunctionName=name, ZipFile=make_zip("print('canary')\n"))
    unsigned_version = lam.publish_version(FunctionName=name)["Version"]
    lam.update_function_code(FunctionName=name, **SignedArtifact(fleet.jobs["alias-unsigned"]).code)
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
    bucket = world.new_bucket(unique("denied-"))
    signed = world.sign(
        fleet.trusted, make_zip("def handler(e, c):\n    return 'x'\n"), destination_bucket=bucket
    )
    csc = world.csc("Enforce", [fleet.trusted.version_arn])
    # Outside the fleet's prefix: the other tests audit the fleet without it.
    name = world.function(signed, csc, name=unique("unreadable-")).name
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
    world.clients.s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return name


def _relax(world: World, csc: str, policy: str) -> None:
    world.clients.lambda_.update_code_signing_config(
        CodeSigningConfigArn=csc, CodeSigningPolicies={"UntrustedArtifactOnDeployment": policy}
    )


#: What the audit must find: the function keys failing, warning only, and passing.
#: A container image cannot be proven by Lambda code signing: it fails unless allowed.
FAILING = {"no-csc", "csc-warn", "untrusted", "revoked", "swapped", "alias-unsigned", "image"}
WARNING_ONLY: set[str] = set()

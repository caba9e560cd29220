"""The one module that imports the CDK toolkit and the AWS provider bindings.

``SIGNED_LAMBDA_CDK`` chooses the toolchain for the whole process:

- ``cdktf`` (default): CDK for Terraform 0.21 (``cdktf``, ``cdktf_cdktf_provider_aws``), archived
  by HashiCorp on 2025-12-10;
- ``cdktn``: CDK Terrain 0.24 (``cdktn``, ``cdktn_provider_aws``), its maintained continuation.

Both have the same class names and the same constructs, so the stack code is identical for the
two; it imports every toolkit name from here. mypy checks the stacks against cdktf's types (the
``TYPE_CHECKING`` block); at run time the same names come from the selected toolchain
(``_CORE_NAMES`` and ``_PROVIDER_NAMES``, kept equal to that block by a test), loaded on the
first use of one of them.

The choice is read from the environment here, once, because it decides which Python packages a
process imports, before any stack or config exists. An unknown value raises
:class:`~stacks.config.ConfigError` (``main.py`` prints it in one line and exits 2).
"""

# This module re-exports the toolkit's names for the stacks: imports unused here are its API.
# ruff: noqa: F401

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from stacks.config import ConfigError

ENV_TOOLCHAIN = "SIGNED_LAMBDA_CDK"
DEFAULT_TOOLCHAIN = "cdktf"
#: toolchain -> (CDK core package, AWS provider bindings package)
TOOLCHAIN_PACKAGES: dict[str, tuple[str, str]] = {
    "cdktf": ("cdktf", "cdktf_cdktf_provider_aws"),
    "cdktn": ("cdktn", "cdktn_provider_aws"),
}
#: pip extra that installs each toolchain's Python packages (for the error message).
TOOLCHAIN_EXTRAS = {"cdktf": "stacks", "cdktn": "cdktn"}

# What the stacks use from the core package, and from each provider submodule.
_CORE_NAMES = (
    "App",
    "AssetType",
    "Fn",
    "Op",
    "S3Backend",
    "TerraformAsset",
    "TerraformOutput",
    "TerraformResource",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "Token",
)
_PROVIDER_NAMES: dict[str, tuple[str, ...]] = {
    "cloudwatch_log_group": ("CloudwatchLogGroup",),
    "iam_role": ("IamRole",),
    "iam_role_policy": ("IamRolePolicy",),
    "iam_role_policy_attachment": ("IamRolePolicyAttachment",),
    "lambda_alias": ("LambdaAlias", "LambdaAliasRoutingConfig"),
    "lambda_code_signing_config": (
        "LambdaCodeSigningConfig",
        "LambdaCodeSigningConfigAllowedPublishers",
        "LambdaCodeSigningConfigPolicies",
    ),
    "lambda_function": ("LambdaFunction", "LambdaFunctionEnvironment", "LambdaFunctionVpcConfig"),
    "lambda_layer_version": ("LambdaLayerVersion",),
    "provider": ("AwsProvider", "AwsProviderDefaultTags"),
    "s3_bucket": ("S3Bucket",),
    "s3_bucket_ownership_controls": (
        "S3BucketOwnershipControls",
        "S3BucketOwnershipControlsRule",
    ),
    "s3_bucket_policy": ("S3BucketPolicy",),
    "s3_bucket_public_access_block": ("S3BucketPublicAccessBlock",),
    "s3_bucket_server_side_encryption_configuration": (
        "S3BucketServerSideEncryptionConfigurationA",
        "S3BucketServerSideEncryptionConfigurationRuleA",
        "S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA",
    ),
    "s3_bucket_versioning": ("S3BucketVersioningA", "S3BucketVersioningVersioningConfiguration"),
    "s3_object": ("S3Object",),
    "signer_signing_job": (
        "SignerSigningJob",
        "SignerSigningJobDestination",
        "SignerSigningJobDestinationS3",
        "SignerSigningJobSource",
        "SignerSigningJobSourceS3",
    ),
    "signer_signing_profile": (
        "SignerSigningProfile",
        "SignerSigningProfileSignatureValidityPeriod",
    ),
}


def selected_toolchain(environ: Mapping[str, str]) -> str:
    """``SIGNED_LAMBDA_CDK`` from ``environ`` (unset or empty: cdktf); anything else is an error."""
    name = environ.get(ENV_TOOLCHAIN, "").strip() or DEFAULT_TOOLCHAIN
    if name not in TOOLCHAIN_PACKAGES:
        expected = " or ".join(TOOLCHAIN_PACKAGES)
        raise ConfigError(ENV_TOOLCHAIN, f"{name!r} is not a CDK toolchain; expected {expected}")
    return name


TOOLCHAIN = selected_toolchain(os.environ)

if TYPE_CHECKING:
    from cdktf import (
        App,
        AssetType,
        Fn,
        Op,
        S3Backend,
        TerraformAsset,
        TerraformOutput,
        TerraformResource,
        TerraformResourceLifecycle,
        TerraformStack,
        Token,
    )
    from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
    from cdktf_cdktf_provider_aws.iam_role import IamRole
    from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
    from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
    from cdktf_cdktf_provider_aws.lambda_alias import LambdaAlias, LambdaAliasRoutingConfig
    from cdktf_cdktf_provider_aws.lambda_code_signing_config import (
        LambdaCodeSigningConfig,
        LambdaCodeSigningConfigAllowedPublishers,
        LambdaCodeSigningConfigPolicies,
    )
    from cdktf_cdktf_provider_aws.lambda_function import (
        LambdaFunction,
        LambdaFunctionEnvironment,
        LambdaFunctionVpcConfig,
    )
    from cdktf_cdktf_provider_aws.lambda_layer_version import LambdaLayerVersion
    from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
    from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
        S3BucketOwnershipControls,
        S3BucketOwnershipControlsRule,
    )
    from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
    from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
    from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
        S3BucketServerSideEncryptionConfigurationA,
        S3BucketServerSideEncryptionConfigurationRuleA,
        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
    )
    from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
        S3BucketVersioningA,
        S3BucketVersioningVersioningConfiguration,
    )
    from cdktf_cdktf_provider_aws.s3_object import S3Object
    from cdktf_cdktf_provider_aws.signer_signing_job import (
        SignerSigningJob,
        SignerSigningJobDestination,
        SignerSigningJobDestinationS3,
        SignerSigningJobSource,
        SignerSigningJobSourceS3,
    )
    from cdktf_cdktf_provider_aws.signer_signing_profile import (
        SignerSigningProfile,
        SignerSigningProfileSignatureValidityPeriod,
    )
    from constructs import Construct
else:
    _TOOLKIT_NAMES = frozenset(
        {"Construct", *_CORE_NAMES, *(name for names in _PROVIDER_NAMES.values() for name in names)}
    )

    def _load(toolchain: str) -> dict[str, object]:
        core_package, provider_package = TOOLCHAIN_PACKAGES[toolchain]
        try:
            core = importlib.import_module(core_package)
            names: dict[str, object] = {name: getattr(core, name) for name in _CORE_NAMES}
            _without_package_init(provider_package)
            for submodule, members in _PROVIDER_NAMES.items():
                module = importlib.import_module(f"{provider_package}.{submodule}")
                names.update({name: getattr(module, name) for name in members})
        except ModuleNotFoundError as error:
            extra = TOOLCHAIN_EXTRAS[toolchain]
            raise ConfigError(
                ENV_TOOLCHAIN,
                f"{toolchain} is selected but {error.name!r} is not installed "
                f"(pip install -e '.[{extra}]', or `make install`)",
            ) from error
        from constructs import Construct

        names["Construct"] = Construct
        return names

    def _without_package_init(package: str) -> None:
        """Make ``package`` importable without running its ``__init__``, so that importing one
        of its submodules loads that submodule (and the package's jsii assembly) only.

        cdktf's provider bindings import every one of their ~1,500 resource modules in
        ``__init__``: 20 s of a synth's start-up, where the 18 modules the stacks use and the
        assembly take 6 s. The package object is the one Python would create (same spec, path
        and loader). Its ``__init__`` only imports and re-exports the submodules (a test pins
        that), so skipping it changes no class the stacks use: the synthesized stacks are
        byte-identical either way. cdktn's bindings are lazy already (PEP 562).
        """
        if package in sys.modules or package != TOOLCHAIN_PACKAGES["cdktf"][1]:
            return
        spec = importlib.util.find_spec(package)
        if spec is None:
            raise ModuleNotFoundError(f"No module named {package!r}", name=package)
        sys.modules[package] = importlib.util.module_from_spec(spec)

    def __getattr__(name: str) -> object:
        """The toolkit loads on first use of one of its names (PEP 562), so importing this
        module for the switch alone (tests, tools) costs nothing."""
        if name not in _TOOLKIT_NAMES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        loaded = _load(TOOLCHAIN)
        globals().update(loaded)
        return loaded[name]


def s3_backend(
    stack: TerraformStack,
    *,
    bucket: str,
    key: str,
    region: str,
    use_lockfile: bool,
    use_path_style: bool | None,
) -> None:
    """An encrypted S3 backend with S3-native locking (``use_lockfile``, Terraform >= 1.10).

    cdktn's ``S3Backend`` takes ``use_lockfile``; cdktf 0.21's predates it, so there the same
    key is written as an override. Both synthesize the same ``terraform.backend.s3`` block.
    """
    if TOOLCHAIN == "cdktn":
        from cdktn import S3Backend as NativeLockingS3Backend

        NativeLockingS3Backend(
            stack,
            bucket=bucket,
            key=key,
            region=region,
            encrypt=True,
            use_path_style=use_path_style,
            use_lockfile=use_lockfile,
        )
        return
    from cdktf import S3Backend as OverriddenLockingS3Backend

    OverriddenLockingS3Backend(
        stack,
        bucket=bucket,
        key=key,
        region=region,
        encrypt=True,
        use_path_style=use_path_style,
    )
    stack.add_override("terraform.backend.s3.use_lockfile", use_lockfile)

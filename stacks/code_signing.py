"""The signing profile and the code signing config that trusts exactly its current version."""

from __future__ import annotations

from stacks.cdk import (
    Construct,
    LambdaCodeSigningConfig,
    LambdaCodeSigningConfigAllowedPublishers,
    LambdaCodeSigningConfigPolicies,
    SignerSigningProfile,
    SignerSigningProfileSignatureValidityPeriod,
)
from stacks.config import StackConfig
from verifier.contract.manifest import LAMBDA_SIGNING_PLATFORM


class CodeSigning(Construct):
    def __init__(self, scope: Construct, id_: str, config: StackConfig) -> None:
        super().__init__(scope, id_)
        self.profile = SignerSigningProfile(
            self,
            "profile",
            name=config.signing_profile_name,
            platform_id=LAMBDA_SIGNING_PLATFORM,
            # Explicit, so an audit reads the validity from code instead of a service default.
            signature_validity_period=SignerSigningProfileSignatureValidityPeriod(
                value=config.signature_validity_value,
                type=config.signature_validity_unit.value,
            ),
        )
        # Only the profile's *version* ARN is trusted: re-creating the profile (a new version)
        # must be a deliberate change of this config, never an implicit one.
        self.config = LambdaCodeSigningConfig(
            self,
            "config",
            description=f"{config.name_prefix}: only code signed by {config.signing_profile_name}",
            allowed_publishers=LambdaCodeSigningConfigAllowedPublishers(
                signing_profile_version_arns=[self.profile.version_arn],
            ),
            policies=LambdaCodeSigningConfigPolicies(
                untrusted_artifact_on_deployment=config.untrusted_artifact_policy.value,
            ),
        )

"""Optional guardrails in the stack (config ``guardrails``): the deployer policy of
``signed-lambda guardrails``, attached to the pipeline's role as an inline policy.

The same builder as the command (:mod:`verifier.guardrails`), fed with the stack's own values:
the CSC ARN and profile version are Terraform references, so the policy always names what this
stack created. The bucket statements are added by :class:`stacks.artifact_bucket.ArtifactBucket`.
The policy grants nothing on the deploy role itself (it can only read this policy back), so
changing it stays an admin's reviewed apply.
"""

from __future__ import annotations

import json

from stacks.artifact_bucket import ArtifactBucket
from stacks.cdk import Construct, IamRolePolicy, Token
from stacks.code_signing import CodeSigning
from stacks.config import ConfigError, GuardrailsConfig, StackConfig
from verifier import guardrails


def guardrail_principals(config: GuardrailsConfig) -> guardrails.Principals:
    return guardrails.Principals(
        deploy_role_arn=config.deploy_role_arn, admin_role_arns=config.admin_role_arns
    )


class DeployerPolicy(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: StackConfig,
        guardrail_config: GuardrailsConfig,
        bucket: ArtifactBucket,
        signing: CodeSigning,
    ) -> None:
        super().__init__(scope, id_)
        facts = guardrails.Scope(
            account_id=guardrail_config.account_id,
            region=config.region,
            code_signing_config_arns=(signing.config.arn,),
            signing_profile_name=config.signing_profile_name,
            signing_profile_versions=(signing.profile.version,),
            bucket=bucket.name,
            signed_prefix=config.signed_prefix,
            unsigned_prefix=config.unsigned_prefix,
            name_prefix=config.name_prefix,
            layer_names=tuple(config.layer_name(layer) for layer in config.layers),
            partition=guardrail_config.partition,
            aliases=any(fn.alias is not None for fn in config.functions),
            reserved_concurrency=any(
                fn.reserved_concurrency is not None for fn in config.functions
            ),
            managed_policy_arns=tuple(
                sorted({arn for fn in config.functions for arn in fn.managed_policy_arns})
            ),
            vpc=any(fn.vpc is not None for fn in config.functions),
        )
        role_arn = guardrail_config.deploy_role_arn
        if facts.is_function_role(role_arn):
            raise ConfigError(
                "guardrails.deploy_role_arn",
                f"{role_arn!r} is named like the functions' roles ({facts.function_roles}), "
                "which the deployer policy may rewrite; use another name",
            )
        self.policy = IamRolePolicy(
            self,
            "policy",
            name=f"{config.name_prefix}-deployer",
            role=role_arn.rsplit("/", 1)[-1],
            policy=Token.as_string(
                json.dumps(guardrails.deployer_policy(facts, own_policy_of=role_arn))
            ),
        )

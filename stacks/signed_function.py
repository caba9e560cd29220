"""One function, from source to signed deployment: package -> upload -> sign -> deploy with
its signed layers, under the code signing config."""

from __future__ import annotations

import json
from collections.abc import Mapping

from stacks.artifact_bucket import ArtifactBucket
from stacks.cdk import (
    CloudwatchLogGroup,
    Construct,
    Fn,
    IamRole,
    IamRolePolicy,
    IamRolePolicyAttachment,
    LambdaAlias,
    LambdaAliasRoutingConfig,
    LambdaFunction,
    LambdaFunctionEnvironment,
    LambdaFunctionVpcConfig,
    Op,
    TerraformResource,
    TerraformResourceLifecycle,
    Token,
)
from stacks.code_signing import CodeSigning
from stacks.config import PROMOTED_VERSION_MARKER, AliasConfig, FunctionConfig, StackConfig
from stacks.packages import function_build
from stacks.signed_layer import SignedLayer
from stacks.signed_package import sign_package
from verifier.contract.manifest import AliasManifest, FunctionManifest, environment_digest

#: What Lambda needs to attach a function to a VPC: the network-interface actions of AWS's
#: managed policy AWSLambdaVPCAccessExecutionRole (its logs actions the role has already, for
#: its own log group). DescribeNetworkInterfaces works only on "*" (Lambda guide).
VPC_NETWORK_INTERFACE_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)


def _policy(statements: list[dict[str, object]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class SignedFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: StackConfig,
        function: FunctionConfig,
        bucket: ArtifactBucket,
        signing: CodeSigning,
        layers: Mapping[str, SignedLayer],
    ) -> None:
        super().__init__(scope, id_)
        self.function_config = function
        self.key = function.key
        self.function_name = config.function_name(function)

        # 1-3. Package, upload unsigned, sign that object version.
        self.package = sign_package(
            self,
            config=config,
            bucket=bucket,
            signing=signing,
            spec=function_build(function),
            path=function.key,
            config_field=f"functions[{function.key}].source_dir",
        )
        self.unsigned_object = self.package.unsigned_object
        self.signing_job = self.package.signing_job
        self.signed_bucket = self.package.signed_bucket
        self.signed_key = self.package.signed_key
        self.layers = [layers[key] for key in function.layers]

        # 4. Least privilege: the function may only write its own logs, plus what its config
        # declares (statements, managed policies) and, in a VPC, its network interfaces.
        tags = dict(function.tags) or None
        self.log_group = CloudwatchLogGroup(
            self,
            "log-group",
            name=f"/aws/lambda/{self.function_name}",
            retention_in_days=config.log_retention_days,
            tags=tags,
        )
        self.role = IamRole(
            self,
            "role",
            name=config.role_name(function),
            tags=tags,
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
        self.role_policy = IamRolePolicy(
            self,
            "logs-policy",
            name="write-own-logs",
            role=self.role.id,
            policy=_policy(
                [
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"{self.log_group.arn}:*",
                    }
                ]
            ),
        )
        # Everything the role must have before the function is created or updated.
        permissions: list[IamRolePolicy | IamRolePolicyAttachment] = [self.role_policy]
        if function.policy_statements:
            permissions.append(
                IamRolePolicy(
                    self,
                    "declared-policy",
                    name="declared-statements",
                    role=self.role.id,
                    policy=_policy([s.document() for s in function.policy_statements]),
                )
            )
        permissions += [
            IamRolePolicyAttachment(
                self, f"managed-policy-{index}", role=self.role.name, policy_arn=arn
            )
            for index, arn in enumerate(function.managed_policy_arns)
        ]
        if function.vpc is not None:
            permissions.append(
                IamRolePolicy(
                    self,
                    "vpc-policy",
                    name="vpc-network-interfaces",
                    role=self.role.id,
                    policy=_policy(
                        [
                            {
                                "Effect": "Allow",
                                "Action": list(VPC_NETWORK_INTERFACE_ACTIONS),
                                "Resource": "*",
                            }
                        ]
                    ),
                )
            )

        # 5. Deploy the signed object, with its signed layers, under the code signing config.
        environment = (
            LambdaFunctionEnvironment(variables=dict(function.environment))
            if function.environment
            else None
        )
        self.function = LambdaFunction(
            self,
            "function",
            function_name=self.function_name,
            role=self.role.arn,
            handler=function.handler,
            runtime=function.runtime,
            memory_size=function.memory_mb,
            timeout=function.timeout_seconds,
            s3_bucket=self.signed_bucket,
            s3_key=self.signed_key,
            architectures=list(function.architectures),
            layers=[layer.layer_version.arn for layer in self.layers] or None,
            code_signing_config_arn=signing.config.arn,
            environment=environment,
            vpc_config=(
                LambdaFunctionVpcConfig(
                    subnet_ids=list(function.vpc.subnet_ids),
                    security_group_ids=list(function.vpc.security_group_ids),
                )
                if function.vpc is not None
                else None
            ),
            reserved_concurrent_executions=function.reserved_concurrency,
            tags=tags,
            publish=function.publish or None,
            depends_on=[self.log_group, *permissions],
        )

        # 6. Releases: each new signed build is a published version; the alias follows it.
        self.alias = None if function.alias is None else self._alias(function.alias)

    def _alias(self, alias: AliasConfig) -> LambdaAlias:
        """The alias on the newest version; with a canary, on the last promoted version, plus
        the canary share to the newest while the two differ."""
        newest = self.function.version
        if alias.canary_percent is None:
            return LambdaAlias(
                self,
                "alias",
                name=alias.name,
                function_name=self.function.function_name,
                function_version=newest,
            )
        # The last promoted version lives in state: set to the first build's version, then kept
        # (ignore_changes) until `make promote` replaces the marker, which takes the newest.
        marker = TerraformResource(
            self,
            PROMOTED_VERSION_MARKER,
            terraform_resource_type="terraform_data",
            lifecycle=TerraformResourceLifecycle(ignore_changes=["input"]),
        )
        marker.add_override("input", newest)
        promoted = marker.get_string_attribute("output")
        canary = Op.eq(newest, promoted)
        weights = Fn.zipmap(
            Token.as_list(Fn.conditional(canary, [], [newest])),
            Fn.conditional(canary, [], [alias.canary_percent / 100]),
        )
        return LambdaAlias(
            self,
            "alias",
            name=alias.name,
            function_name=self.function.function_name,
            function_version=promoted,
            routing_config=LambdaAliasRoutingConfig(
                additional_version_weights=Token.as_number_map(weights)
            ),
        )

    def manifest(self) -> FunctionManifest:
        """This function's entry in the stack's ``manifest`` output: where its code came from
        and what it was declared to run."""
        return FunctionManifest(
            key=self.key,
            function_name=self.function.function_name,
            function_arn=self.function.arn,
            signing_job_id=self.signing_job.job_id,
            unsigned_key=self.unsigned_object.key,
            unsigned_version=self.unsigned_object.version_id,
            signed_bucket=self.signed_bucket,
            signed_key=self.signed_key,
            source_dir=self.package.source_dir,
            package_sha256=self.package.package_sha256,
            package=self.package.build,
            handler=self.function_config.handler,
            runtime=self.function_config.runtime,
            architectures=self.function_config.architectures,
            layers=self.function_config.layers,
            environment=tuple(
                (name, environment_digest(value))
                for name, value in self.function_config.environment
            ),
            allow_earlier_versions=self.function_config.allow_earlier_versions,
            publish=self.function_config.publish,
            alias=(
                None
                if (alias := self.function_config.alias) is None
                else AliasManifest(name=alias.name, canary_percent=alias.canary_percent)
            ),
        )

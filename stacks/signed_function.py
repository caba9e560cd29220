"""One function, from source to signed deployment: package -> upload -> sign -> deploy with
its signed layers, under the code signing config."""

from __future__ import annotations

import json
from collections.abc import Mapping

from stacks.artifact_bucket import ArtifactBucket
from stacks.cdk import (
    CloudwatchLogGroup,
    Construct,
    IamRole,
    IamRolePolicy,
    LambdaFunction,
    LambdaFunctionEnvironment,
)
from stacks.code_signing import CodeSigning
from stacks.config import FunctionConfig, StackConfig
from stacks.packages import function_build
from stacks.signed_layer import SignedLayer
from stacks.signed_package import sign_package
from verifier.contract.manifest import CODE_LOADING_ENVIRONMENT, FunctionManifest


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
            config_field=f"functions[{function.key!r}].source_dir",
        )
        self.unsigned_object = self.package.unsigned_object
        self.signing_job = self.package.signing_job
        self.signed_bucket = self.package.signed_bucket
        self.signed_key = self.package.signed_key
        self.layers = [layers[key] for key in function.layers]

        # 4. Least privilege: the function may only write its own logs.
        self.log_group = CloudwatchLogGroup(
            self,
            "log-group",
            name=f"/aws/lambda/{self.function_name}",
            retention_in_days=config.log_retention_days,
        )
        self.role = IamRole(
            self,
            "role",
            name=f"{self.function_name}-role",
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
            policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": f"{self.log_group.arn}:*",
                        }
                    ],
                }
            ),
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
            depends_on=[self.log_group, self.role_policy],
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
            code_loading_environment=tuple(
                (name, value)
                for name, value in self.function_config.environment
                if name in CODE_LOADING_ENVIRONMENT
            ),
            allow_earlier_versions=self.function_config.allow_earlier_versions,
        )

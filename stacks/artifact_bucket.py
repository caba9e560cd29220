"""The versioned, private, encrypted bucket that holds unsigned and signed packages."""

from __future__ import annotations

import json
from typing import Any

from stacks.cdk import (
    Construct,
    S3Bucket,
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
    S3BucketPolicy,
    S3BucketPublicAccessBlock,
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
    Token,
)
from stacks.config import StackConfig
from verifier.guardrails import Principals, bucket_policy_statements


class ArtifactBucket(Construct):
    """Versioning is what makes a signing job's source exact (bucket/key/*version*), and what
    lets the verifier see a signed key overwritten after signing."""

    def __init__(self, scope: Construct, id_: str, config: StackConfig) -> None:
        super().__init__(scope, id_)
        # An explicit name, or a unique one Terraform derives from the prefix.
        self.bucket = S3Bucket(
            self,
            "bucket",
            bucket=config.bucket_name or None,
            bucket_prefix=None if config.bucket_name else f"{config.name_prefix}-artifacts-",
            force_destroy=False,
        )

        # Everything below depends on the bucket only; the explicit settings are the point:
        # S3's and the provider's defaults are not what a signed deployment should rely on.
        self.versioning = S3BucketVersioningA(
            self,
            "versioning",
            bucket=self.bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        self.encryption = S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                        sse_algorithm="AES256"
                    ),
                    # S3 Bucket Keys apply to SSE-KMS only; explicit, so refresh sees no change.
                    bucket_key_enabled=False,
                )
            ],
        )
        self.public_access_block = S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        self.ownership = S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=self.bucket.id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        statements: list[dict[str, Any]] = [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [self.bucket.arn, f"{self.bucket.arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]
        if config.guardrails is not None:  # signed-lambda guardrails' bucket statements
            statements += bucket_policy_statements(
                self.bucket.id,
                config.signed_prefix,
                Principals(config.guardrails.deploy_role_arn, config.guardrails.admin_role_arns),
                config.guardrails.partition,
            )
        tls_only = {"Version": "2012-10-17", "Statement": statements}
        self.policy = S3BucketPolicy(
            self,
            "tls-only-policy",
            bucket=self.bucket.id,
            policy=Token.as_string(json.dumps(tls_only)),
            # A policy applied before the public access block could be judged public.
            depends_on=[self.public_access_block],
        )

    @property
    def name(self) -> str:
        return self.bucket.id

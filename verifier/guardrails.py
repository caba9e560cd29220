"""Guardrails: IAM policy documents that forbid what ``verify`` detects, built from the lock.

Pure functions from the locked facts (account, region, CSC ARNs, signing profile and its
version ARNs) plus the artifact bucket to policy documents; no AWS calls. Three documents:

- :func:`deny_statements` / :func:`scp_policies`: the deny set, for a service control policy
  (split into several when one would exceed :data:`SCP_MAX_CHARACTERS` minified);
- :func:`deployer_policy`: the pipeline role's identity policy, least privilege for what
  ``make deploy`` does to the stack's resources after the bootstrap, conditioned on the locked
  CSC and profile versions;
- :func:`bucket_policy_statements`: statements to add to the artifact bucket's policy.

Every statement has a ``Sid`` saying what it blocks or allows. Values may be Terraform tokens
(the stack builds the deployer policy and bucket statements with them), so nothing here parses
ARNs; :mod:`verifier.commands.guardrails` validates its inputs.

Condition keys (AWS Service Authorization Reference, "Actions, resources, and condition keys for
AWS Lambda / AWS Signer"): ``lambda:CodeSigningConfigArn`` is listed for CreateFunction and
PutFunctionCodeSigningConfig only (UpdateFunctionConfiguration has no such request parameter);
``lambda:Layer`` (a list of layer version ARNs, matched as strings as in the Lambda guide's
example) for CreateFunction and UpdateFunctionConfiguration; ``signer:ProfileVersion``
for StartSigningJob and RevokeSignature (whose resource is the signing *job*). ``aws:PrincipalArn``
is an assumed role's role ARN, so role ARNs name the exceptions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: AWS Organizations' limit on a service control policy's size (characters, minified).
SCP_MAX_CHARACTERS = 5120
POLICY_VERSION = "2012-10-17"
LAMBDA_SERVICE = "lambda.amazonaws.com"
#: An IAM role ARN as the exceptions name it (``*`` wildcards allowed in the name).
ROLE_ARN = re.compile(r"^arn:(aws[a-zA-Z-]*):iam::(\d{12}):role/[\w+=,.@*/-]{1,512}$")
ROLE_ARN_FORMAT = "arn:aws:iam::<account>:role/<name> (the name may use * wildcards)"

Statement = dict[str, Any]
Document = dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """What the guardrails protect: the locked trust anchor and the stack's artifacts."""

    account_id: str
    region: str
    code_signing_config_arns: tuple[str, ...]
    signing_profile_name: str
    #: The pinned profile versions (the last part of each locked profile version ARN).
    signing_profile_versions: tuple[str, ...]
    bucket: str
    #: Key prefixes of the stack's packages (the stack's ``signed_prefix``/``unsigned_prefix``).
    signed_prefix: str = "signed/"
    unsigned_prefix: str = "unsigned/"
    #: Every named resource of the stack starts with ``name_prefix + "-"`` (functions, their
    #: roles and log groups, layers).
    name_prefix: str = "signed-lambda"
    #: The stack's layers (names, any version); no layers means no layer may be used.
    layer_names: tuple[str, ...] = ()
    partition: str = "aws"
    #: What the stack's functions use beyond code, configuration and versions (the deployer
    #: policy grants the actions each needs, and nothing for what the stack does not use):
    #: aliases, reserved concurrency, managed policies attached to their roles, a VPC.
    aliases: bool = False
    reserved_concurrency: bool = False
    managed_policy_arns: tuple[str, ...] = ()
    vpc: bool = False

    def lambda_arn(self, resource: str) -> str:
        return f"arn:{self.partition}:lambda:{self.region}:{self.account_id}:{resource}"

    def signer_arn(self, resource: str) -> str:
        return f"arn:{self.partition}:signer:{self.region}:{self.account_id}:{resource}"

    @property
    def profile_arn(self) -> str:
        return self.signer_arn(f"/signing-profiles/{self.signing_profile_name}")

    @property
    def bucket_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.bucket}"

    def objects_arn(self, prefix: str) -> str:
        return f"{self.bucket_arn}/{prefix}*"

    @property
    def function_roles(self) -> str:
        """The functions' execution roles (the stack names them ``<function name>-role``)."""
        return f"arn:{self.partition}:iam::{self.account_id}:role/{self.name_prefix}-*-role"

    def is_function_role(self, role_arn: str) -> bool:
        """Whether ``role_arn`` is among :attr:`function_roles` (a deploy role there could
        rewrite its own permissions)."""
        name = role_arn.rsplit(":role/", 1)[-1].rsplit("/", 1)[-1]
        return name.startswith(f"{self.name_prefix}-") and name.endswith("-role")


@dataclass(frozen=True)
class Principals:
    """Who the exceptions are for: the pipeline's role and the break-glass roles, and the roles
    that may become them with ``sts:AssumeRole``."""

    deploy_role_arn: str | None = None
    admin_role_arns: tuple[str, ...] = ()
    #: Roles that may assume the deploy role (a CI runner's role that calls AssumeRole).
    deploy_assumer_arns: tuple[str, ...] = ()
    #: Roles that may assume the admin roles.
    admin_assumer_arns: tuple[str, ...] = ()

    @property
    def pipeline(self) -> list[str]:
        """The deploy role and the admin roles: who may sign with the stack's profile."""
        return sorted({*filter(None, [self.deploy_role_arn]), *self.admin_role_arns})

    @property
    def protected(self) -> list[str]:
        """Every role an exception names or that may become one: only the admins change them."""
        return sorted({*self.pipeline, *self.deploy_assumer_arns, *self.admin_assumer_arns})


def _one_or_many(values: Sequence[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)


def _statement(
    effect: str,
    sid: str,
    actions: Sequence[str],
    resources: Sequence[str],
    condition: Mapping[str, Any],
    principal: str | None = None,
) -> Statement:
    statement: Statement = {"Sid": sid, "Effect": effect}
    if principal is not None:
        statement["Principal"] = principal
    statement["Action"] = _one_or_many(sorted(actions))
    statement["Resource"] = _one_or_many(resources)
    if condition:
        statement["Condition"] = dict(condition)
    return statement


def _deny(
    sid: str, actions: Sequence[str], resources: Sequence[str], **condition: Any
) -> Statement:
    return _statement("Deny", sid, actions, resources, condition)


def _allow(
    sid: str, actions: Sequence[str], resources: Sequence[str], **condition: Any
) -> Statement:
    return _statement("Allow", sid, actions, resources, condition)


def _except(principals: Sequence[str]) -> dict[str, Any]:
    """A condition that exempts ``principals`` (none: nobody is exempt)."""
    return (
        {"ArnNotLike": {"aws:PrincipalArn": _one_or_many(sorted(principals))}} if principals else {}
    )


#: What changes a role's permissions, trust, tags or existence (the "protect privileged roles"
#: SCP pattern: UpdateAssumeRolePolicy, Put/Delete/Attach/DetachRolePolicy,
#: Put/DeleteRolePermissionsBoundary, UpdateRole, Create/DeleteRole, Tag/UntagRole), as IAM's
#: write verbs on the role ARNs, so reads (GetRole, GetRolePolicy, List*) stay allowed; plus
#: passing the role to a service that could then act as it.
ROLE_CHANGES = (
    "iam:Attach*",
    "iam:Create*",
    "iam:Delete*",
    "iam:Detach*",
    "iam:PassRole",
    "iam:Put*",
    "iam:Tag*",
    "iam:Untag*",
    "iam:Update*",
)


def role_statements(principals: Principals) -> list[Statement]:
    """The exceptions are role ARNs, so the roles themselves are guarded: without these, whoever
    may rewrite the deploy role's trust policy or assume it (a role trusting its account) becomes
    the exception. Only the admin roles change any of them (``iam:CreateRole`` included, so a
    wildcard admin pattern cannot be matched by a new role), and each exempt role is assumable
    (``sts:AssumeRole``) only by its own group: the deploy role and its assumers, or the admin
    roles and theirs. AssumeRoleWithWebIdentity and AssumeRoleWithSAML (OIDC CI, SSO) are not
    authorized by the account's principals' policies: the role's trust policy alone decides."""
    admins = sorted(principals.admin_role_arns)
    deploy = [principals.deploy_role_arn] if principals.deploy_role_arn else []
    statements = []
    if principals.protected:
        statements.append(
            _deny(
                "DenyChangingTheExemptRolesExceptAdmins",
                ROLE_CHANGES,
                principals.protected,
                **_except(admins),
            )
        )
    if deploy:
        deployers = sorted({*deploy, *principals.deploy_assumer_arns})
        statements.append(
            _deny(
                "DenyAssumingTheDeployRoleExceptItsAssumers",
                ["sts:AssumeRole"],
                deployers,
                **_except(sorted({*admins, *principals.deploy_assumer_arns})),
            )
        )
    if admins:
        statements.append(
            _deny(
                "DenyAssumingTheAdminRolesExceptAdmins",
                ["sts:AssumeRole"],
                sorted({*admins, *principals.admin_assumer_arns}),
                **_except(sorted({*admins, *principals.admin_assumer_arns})),
            )
        )
    return statements


def deny_statements(scope: Scope, principals: Principals) -> list[Statement]:
    """The deny set, one statement per attack (Sid = what it blocks)."""
    csc_arns = _one_or_many(sorted(scope.code_signing_config_arns))
    admins = sorted(principals.admin_role_arns)
    deploy = [principals.deploy_role_arn] if principals.deploy_role_arn else []
    layers = [scope.lambda_arn(f"layer:{name}:*") for name in sorted(scope.layer_names)]
    foreign_layer = (
        {"ForAnyValue:StringNotLike": {"lambda:Layer": _one_or_many(layers)}}
        if layers
        else {"Null": {"lambda:Layer": "false"}}
    )
    return [
        _deny(
            "DenyCreateFunctionWithoutCodeSigning",
            ["lambda:CreateFunction"],
            ["*"],
            Null={"lambda:CodeSigningConfigArn": "true"},
        ),
        _deny(
            "DenyCreateFunctionWithUnlockedCsc",
            ["lambda:CreateFunction"],
            ["*"],
            ArnNotEquals={"lambda:CodeSigningConfigArn": csc_arns},
        ),
        _deny(
            "DenyAttachingUnlockedCsc",
            ["lambda:PutFunctionCodeSigningConfig"],
            ["*"],
            ArnNotEquals={"lambda:CodeSigningConfigArn": csc_arns},
        ),
        _deny(
            "DenyDetachingOrChangingCscExceptAdmins",
            [
                "lambda:DeleteCodeSigningConfig",
                "lambda:DeleteFunctionCodeSigningConfig",
                "lambda:UpdateCodeSigningConfig",
            ],
            ["*"],
            **_except(admins),
        ),
        _deny(
            "DenyLayersOutsideTheStack",
            ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"],
            ["*"],
            **foreign_layer,
        ),
        _deny(
            "DenySigningWithTheProfileOutsideThePipeline",
            ["signer:StartSigningJob"],
            [scope.profile_arn],
            **_except([*deploy, *admins]),
        ),
        # RevokeSignature's resource is the signing job (Service Authorization Reference), so
        # every job of the account and region is covered, the stack's among them.
        _deny(
            "DenyRevokingSignaturesOutsideThePipeline",
            ["signer:RevokeSignature"],
            [scope.signer_arn("/signing-jobs/*")],
            **_except([*deploy, *admins]),
        ),
        # AddProfilePermission lets another account sign (StartSigningJob) with the profile,
        # and revoke, outside every statement here; which accounts may is the admins' decision.
        _deny(
            "DenySharingTheProfileExceptAdmins",
            ["signer:AddProfilePermission", "signer:RemoveProfilePermission"],
            [scope.profile_arn],
            **_except(admins),
        ),
        # A new version of a stack layer is what a function may add (DenyLayersOutsideTheStack
        # allows any version of the stack's layer names): only the pipeline publishes them.
        _deny(
            "DenyPublishingStackLayersOutsideThePipeline",
            ["lambda:PublishLayerVersion"],
            [scope.lambda_arn(f"layer:{scope.name_prefix}-*")],
            **_except([*deploy, *admins]),
        ),
        _deny(
            "DenyBucketVersioningChangesOutsideThePipeline",
            ["s3:PutBucketVersioning"],
            [scope.bucket_arn],
            **_except(deploy),
        ),
        # A lifecycle rule can expire (delete) signed object versions; the stack sets none.
        _deny(
            "DenyBucketLifecycleChangesExceptAdmins",
            ["s3:PutLifecycleConfiguration"],
            [scope.bucket_arn],
            **_except(admins),
        ),
        # Signer writes the signed object with its caller's permissions (the Signer guide asks
        # the StartSigningJob caller for s3:PutObject), so whoever may sign may write here.
        _deny(
            "DenySignedPackageWritesOutsideThePipeline",
            ["s3:DeleteObjectVersion", "s3:PutObject"],
            [scope.objects_arn(scope.signed_prefix)],
            **_except([*deploy, *admins]),
        ),
        *role_statements(principals),
    ]


def document(statements: Sequence[Statement]) -> Document:
    return {"Version": POLICY_VERSION, "Statement": list(statements)}


def minified(policy: Mapping[str, Any]) -> str:
    """The policy as AWS counts its size: JSON without insignificant whitespace."""
    return json.dumps(policy, separators=(",", ":"))


class PolicyTooLarge(ValueError):
    """One statement alone exceeds the size limit."""

    def __init__(self, sid: str, size: int, limit: int) -> None:
        super().__init__(f"statement {sid} alone is {size} characters (limit {limit})")
        self.sid, self.size, self.limit = sid, size, limit


def split(statements: Sequence[Statement], limit: int = SCP_MAX_CHARACTERS) -> list[Document]:
    """The statements packed, in order, into as few documents as fit ``limit`` minified."""
    documents: list[list[Statement]] = [[]]
    for statement in statements:
        candidate = [*documents[-1], statement]
        if len(minified(document(candidate))) <= limit:
            documents[-1] = candidate
            continue
        alone = len(minified(document([statement])))
        if alone > limit:
            raise PolicyTooLarge(str(statement.get("Sid")), alone, limit)
        documents.append([statement])
    return [document(group) for group in documents if group]


def scp_policies(scope: Scope, principals: Principals) -> list[Document]:
    """The deny set as service control policies, split when it exceeds 5,120 characters."""
    return split(deny_statements(scope, principals))


#: Terraform's refresh of the artifact bucket and its configuration resources (the AWS
#: provider reads every sub-resource of an aws_s3_bucket).
BUCKET_READS = (
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketLogging",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetBucketWebsite",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:ListBucket",
    "s3:ListBucketVersions",
)
#: The bucket settings the stack declares, minus the ones that govern access (the policy carries
#: the guardrail statements; the public access block keeps the bucket private): the pipeline must
#: not be able to loosen either.
BUCKET_SETTINGS = (
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketTagging",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
)


def deployer_policy(scope: Scope, own_policy_of: str | None = None) -> Document:
    """The deploy role's identity policy: what ``make deploy`` does to the stack's resources
    once the trust anchor (bucket, signing profile, CSC) exists and is locked.

    Creating or changing the trust anchor (a CSC, the signing profile, the bucket's policy) is
    not in it: that is a reviewed change for the admin roles, followed by ``make lock``. Nor is
    any write to the deploy role itself; ``own_policy_of`` (the deploy role, when the stack
    attaches this policy to it) adds reading that inline policy back, which Terraform's refresh
    of it needs.
    """
    prefix = scope.name_prefix
    functions = [
        scope.lambda_arn(f"function:{prefix}-*"),
        scope.lambda_arn(f"function:{prefix}-*:*"),
    ]
    csc_arns = sorted(scope.code_signing_config_arns)
    roles = [scope.function_roles]
    log_groups = [
        f"arn:{scope.partition}:logs:{scope.region}:{scope.account_id}:log-group:/aws/lambda/{prefix}-*"
    ]
    return document(
        [
            _allow(
                "ReadTheStacksFunctions",
                [
                    "lambda:GetFunction",
                    "lambda:GetFunctionCodeSigningConfig",
                    "lambda:GetFunctionConfiguration",
                    "lambda:ListTags",
                    "lambda:ListVersionsByFunction",
                ],
                functions,
            ),
            _allow(
                "UpdateTheStacksFunctions",
                [
                    "lambda:DeleteFunction",
                    "lambda:PublishVersion",
                    "lambda:TagResource",
                    "lambda:UntagResource",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                ],
                functions,
            ),
            *(
                [
                    _allow(
                        "ManageTheStacksAliases",
                        [
                            "lambda:CreateAlias",
                            "lambda:DeleteAlias",
                            "lambda:GetAlias",
                            "lambda:UpdateAlias",
                        ],
                        functions,
                    )
                ]
                if scope.aliases
                else []
            ),
            *(
                [
                    _allow(
                        "SetTheStacksReservedConcurrency",
                        [
                            "lambda:DeleteFunctionConcurrency",
                            "lambda:GetFunctionConcurrency",
                            "lambda:PutFunctionConcurrency",
                        ],
                        functions,
                    )
                ]
                if scope.reserved_concurrency
                else []
            ),
            _allow(
                "CreateFunctionsOnlyUnderTheLockedCsc",
                ["lambda:CreateFunction", "lambda:PutFunctionCodeSigningConfig"],
                [*functions, *csc_arns],
                ArnEquals={"lambda:CodeSigningConfigArn": _one_or_many(csc_arns)},
            ),
            _allow(
                "ReadTheLockedCsc",
                [
                    "lambda:GetCodeSigningConfig",
                    "lambda:ListFunctionsByCodeSigningConfig",
                    "lambda:ListTags",
                ],
                csc_arns,
            ),
            _allow(
                "PublishTheStacksLayers",
                ["lambda:PublishLayerVersion"],
                [scope.lambda_arn(f"layer:{prefix}-*")],
            ),
            _allow(
                "ReadAndRetireTheStacksLayerVersions",
                ["lambda:DeleteLayerVersion", "lambda:GetLayerVersion"],
                [scope.lambda_arn(f"layer:{prefix}-*:*")],
            ),
            _allow(
                "SignOnlyWithTheLockedProfileVersions",
                ["signer:StartSigningJob"],
                [scope.profile_arn],
                StringEquals={
                    "signer:ProfileVersion": _one_or_many(sorted(scope.signing_profile_versions))
                },
            ),
            _allow(
                "ReadTheProfileAndItsJobs",
                [
                    "signer:DescribeSigningJob",
                    "signer:GetSigningProfile",
                    "signer:ListTagsForResource",
                ],
                [scope.profile_arn, scope.signer_arn("/signing-jobs/*")],
            ),
            _allow("ReadTheArtifactBucket", BUCKET_READS, [scope.bucket_arn]),
            _allow("KeepTheArtifactBucketsSettings", BUCKET_SETTINGS, [scope.bucket_arn]),
            _allow(
                "UploadAndRetireUnsignedPackages",
                [
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                    "s3:GetObject",
                    "s3:GetObjectTagging",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:PutObjectTagging",
                ],
                [scope.objects_arn(scope.unsigned_prefix)],
            ),
            # Signer writes the signed object as its caller; Lambda reads it as its caller.
            _allow(
                "ReadSignedPackagesAndLetSignerWriteThem",
                ["s3:GetObject", "s3:GetObjectTagging", "s3:GetObjectVersion", "s3:PutObject"],
                [scope.objects_arn(scope.signed_prefix)],
            ),
            _allow(
                "ManageTheFunctionsRoles",
                [
                    "iam:CreateRole",
                    "iam:DeleteRole",
                    "iam:DeleteRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListInstanceProfilesForRole",
                    "iam:ListRolePolicies",
                    "iam:PutRolePolicy",
                    "iam:TagRole",
                    "iam:UntagRole",
                ],
                roles,
            ),
            # Only the managed policies the stack's config names (iam:PolicyARN, SAR).
            *(
                [
                    _allow(
                        "AttachOnlyTheStacksManagedPolicies",
                        ["iam:AttachRolePolicy"],
                        roles,
                        ArnEquals={
                            "iam:PolicyARN": _one_or_many(sorted(scope.managed_policy_arns))
                        },
                    )
                ]
                if scope.managed_policy_arns
                else []
            ),
            _allow(
                "PassTheFunctionsRolesToLambdaOnly",
                ["iam:PassRole"],
                roles,
                StringEquals={"iam:PassedToService": LAMBDA_SERVICE},
            ),
            _allow(
                "ManageTheFunctionsLogGroups",
                [
                    "logs:CreateLogGroup",
                    "logs:DeleteLogGroup",
                    "logs:DeleteRetentionPolicy",
                    "logs:ListTagsForResource",
                    "logs:ListTagsLogGroup",
                    "logs:PutRetentionPolicy",
                    "logs:TagLogGroup",
                    "logs:TagResource",
                    "logs:UntagLogGroup",
                    "logs:UntagResource",
                ],
                log_groups,
            ),
            # DescribeLogGroups has no resource type: it is granted on "*" or not at all.
            _allow("ListLogGroups", ["logs:DescribeLogGroups"], ["*"]),
            # Lambda checks that whoever sets a VPC config may describe its subnets, security
            # groups and VPC (Lambda guide, "Giving Lambda functions access to a VPC"); the
            # provider waits on the network interfaces. No resource types: "*" (SAR).
            *(
                [
                    _allow(
                        "DescribeTheFunctionsNetwork",
                        [
                            "ec2:DescribeNetworkInterfaces",
                            "ec2:DescribeSecurityGroups",
                            "ec2:DescribeSubnets",
                            "ec2:DescribeVpcs",
                        ],
                        ["*"],
                    )
                ]
                if scope.vpc
                else []
            ),
            *(
                [_allow("ReadItsOwnGuardrailPolicy", ["iam:GetRolePolicy"], [own_policy_of])]
                if own_policy_of
                else []
            ),
        ]
    )


def bucket_policy_statements(
    bucket: str, signed_prefix: str, principals: Principals, partition: str = "aws"
) -> list[Statement]:
    """Statements to add to the artifact bucket's policy: they hold even for principals whose
    identity policies (or a missing SCP) would allow the write."""
    deploy = [principals.deploy_role_arn] if principals.deploy_role_arn else []
    admins = list(principals.admin_role_arns)
    bucket_arn = f"arn:{partition}:s3:::{bucket}"
    return [
        _statement(
            "Deny",
            "DenyBucketVersioningChangesOutsideThePipeline",
            ["s3:PutBucketVersioning"],
            [bucket_arn],
            _except(deploy),
            principal="*",
        ),
        _statement(
            "Deny",
            "DenySignedPackageWritesOutsideThePipeline",
            ["s3:DeleteObjectVersion", "s3:PutObject"],
            [f"{bucket_arn}/{signed_prefix}*"],
            _except([*deploy, *admins]),
            principal="*",
        ),
    ]

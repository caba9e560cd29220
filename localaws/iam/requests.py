"""What one request asks IAM for: the IAM actions, the resource ARNs and the request context.

moto 5.2.5 authorizes ``<signing name>:<operation>`` on ``"*"`` (S3: on the bucket or object)
with no condition keys. AWS authorizes the IAM action (which is not always the operation's name:
Lambda's Invoke is ``lambda:InvokeFunction``) on each resource the Service Authorization
Reference lists for it, with the service's condition keys. Built here, per service, from the
request moto has already parsed (the operation, its URI parameters, the body):

- Lambda: function ARNs (qualified when the request names a version or alias), code signing
  config, layer and layer version ARNs; ``lambda:CodeSigningConfigArn`` (CreateFunction,
  PutFunctionCodeSigningConfig: the ARN in the request), ``lambda:Layer`` (CreateFunction,
  UpdateFunctionConfiguration: every layer version ARN in ``Layers``, multivalued).
- Signer: signing profile ARNs (``.../signing-profiles/<name>``) and signing job ARNs
  (``.../signing-jobs/<id>``); ``signer:ProfileVersion`` where it is documented and known.
- S3: the S3 action names of the S3 User Guide's "actions mapped to API operations" (moto uses
  its own, e.g. ``ListBucket`` for GetBucketEncryption), on bucket or object ARNs; CopyObject
  also reads its source; DeleteObjects deletes each listed key (version).
- IAM (role ARNs with the role's path, policy and user ARNs from the parameters), CloudWatch
  Logs (log group ARNs), STS AssumeRole (the role to assume); anything else keeps moto's
  resource.

Global keys for every request: ``aws:PrincipalArn`` (for an assumed role, the *role's* ARN, as
AWS documents), ``aws:PrincipalAccount``, ``aws:PrincipalType``, ``aws:RequestedRegion``,
``aws:SecureTransport``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

PARTITION = "aws"


@dataclass(frozen=True)
class Authorization:
    """One IAM action on one resource, with the service-specific condition keys."""

    action: str
    resource: str
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    """The parts of a request moto has parsed, in plain types (see enforce.describe_request)."""

    service: str
    operation: str
    method: str
    region: str
    account: str
    uri_params: Mapping[str, str]
    query: Mapping[str, Sequence[str]]
    headers: Mapping[str, str]
    body: bytes
    #: What moto would have authorized (S3: the bucket or object ARN).
    moto_resource: str

    def json_body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return str(values[0]) if values else None


# -- Lambda --------------------------------------------------------------------------------

#: Operations whose IAM action has another name (Lambda guide, "Fine-tuning the Resources and
#: Conditions sections of policies"; Service Authorization Reference).
LAMBDA_ACTIONS = {
    "Invoke": "InvokeFunction",
    "InvokeWithResponseStream": "InvokeFunction",
    "GetLayerVersionByArn": "GetLayerVersion",
}


def _function_arn(parsed: Parsed, name: str, qualifier: str | None) -> str:
    """A function ARN from a name, partial ARN or ARN, qualified when a version/alias is named."""
    if ":function:" in name:
        _, _, rest = name.partition(":function:")
        base, _, named_qualifier = rest.partition(":")
        qualifier = qualifier or named_qualifier or None
        head = name.split(":function:")[0].split(":")
        region = head[3] if len(head) >= 5 else parsed.region
        account = head[-1] if head[-1].isdigit() else parsed.account
    else:
        base, _, named_qualifier = name.partition(":")
        qualifier = qualifier or named_qualifier or None
        region, account = parsed.region, parsed.account
    arn = f"arn:{PARTITION}:lambda:{region}:{account}:function:{base}"
    return f"{arn}:{qualifier}" if qualifier and qualifier != "$LATEST" else arn


def _layer_arn(parsed: Parsed, name: str, version: str | None) -> str:
    base = (
        name
        if name.startswith("arn:")
        else f"arn:{PARTITION}:lambda:{parsed.region}:{parsed.account}:layer:{name}"
    )
    return f"{base}:{version}" if version else base


def _vpc_context(vpc: Any) -> dict[str, list[str]]:
    if not isinstance(vpc, dict):
        return {}
    context: dict[str, list[str]] = {}
    for key, member in (
        ("lambda:SubnetIds", "SubnetIds"),
        ("lambda:SecurityGroupIds", "SecurityGroupIds"),
    ):
        if isinstance(vpc.get(member), list):
            context[key] = [str(v) for v in vpc[member]]
    return context


def lambda_authorizations(parsed: Parsed) -> list[Authorization]:
    action = f"lambda:{LAMBDA_ACTIONS.get(parsed.operation, parsed.operation)}"
    params, body = parsed.uri_params, parsed.json_body()
    context: dict[str, list[str]] = {}
    if parsed.operation in ("CreateFunction", "UpdateFunctionConfiguration"):
        if isinstance(body.get("Layers"), list):
            context["lambda:Layer"] = [str(arn) for arn in body["Layers"]]
        context.update(_vpc_context(body.get("VpcConfig")))
    if parsed.operation in ("CreateFunction", "PutFunctionCodeSigningConfig") and body.get(
        "CodeSigningConfigArn"
    ):
        context["lambda:CodeSigningConfigArn"] = [str(body["CodeSigningConfigArn"])]

    resources: list[str] = []
    function_name = params.get("FunctionName") or (
        body.get("FunctionName") if parsed.operation == "CreateFunction" else None
    )
    if function_name:
        resources.append(_function_arn(parsed, str(function_name), parsed.query_value("Qualifier")))
    if parsed.operation == "PutFunctionCodeSigningConfig" and body.get("CodeSigningConfigArn"):
        resources.append(str(body["CodeSigningConfigArn"]))
    if params.get("CodeSigningConfigArn"):
        resources.append(params["CodeSigningConfigArn"])
    if params.get("LayerName"):
        resources.append(_layer_arn(parsed, params["LayerName"], params.get("VersionNumber")))
    if parsed.operation == "GetLayerVersionByArn" and parsed.query_value("Arn"):
        resources.append(str(parsed.query_value("Arn")))
    if params.get("Resource"):
        resources.append(params["Resource"])
    return [Authorization(action, resource, context) for resource in resources or ["*"]]


# -- Signer --------------------------------------------------------------------------------


def signer_profile_arn(region: str, account: str, name: str) -> str:
    return f"arn:{PARTITION}:signer:{region}:{account}:/signing-profiles/{name}"


def signer_job_arn(region: str, account: str, job_id: str) -> str:
    return f"arn:{PARTITION}:signer:{region}:{account}:/signing-jobs/{job_id}"


def signer_authorizations(
    parsed: Parsed, profile_version: str | None = None
) -> list[Authorization]:
    """``profile_version``: the version the request acts on, when the backend knows it."""
    action = f"signer:{parsed.operation}"
    params, body = parsed.uri_params, parsed.json_body()
    context = {"signer:ProfileVersion": [profile_version]} if profile_version else {}
    profile = params.get("profileName") if parsed.operation != "PutSigningProfile" else None
    if parsed.operation == "StartSigningJob":
        profile = str(body.get("profileName") or "") or None
    resources: list[str] = []
    if profile:
        resources.append(signer_profile_arn(parsed.region, parsed.account, profile))
    if params.get("jobId"):
        resources.append(signer_job_arn(parsed.region, parsed.account, params["jobId"]))
    if params.get("resourceArn"):
        resources.append(params["resourceArn"])
    return [Authorization(action, resource, context) for resource in resources or ["*"]]


# -- S3 ------------------------------------------------------------------------------------

#: (method, sub-resource in the query) -> action, for bucket requests; "" is the default.
S3_BUCKET_ACTIONS: dict[str, dict[str, str]] = {
    "GET": {
        "versioning": "GetBucketVersioning",
        "policy": "GetBucketPolicy",
        "policyStatus": "GetBucketPolicyStatus",
        "acl": "GetBucketAcl",
        "cors": "GetBucketCORS",
        "website": "GetBucketWebsite",
        "logging": "GetBucketLogging",
        "tagging": "GetBucketTagging",
        "lifecycle": "GetLifecycleConfiguration",
        "replication": "GetReplicationConfiguration",
        "encryption": "GetEncryptionConfiguration",
        "accelerate": "GetAccelerateConfiguration",
        "requestPayment": "GetBucketRequestPayment",
        "object-lock": "GetBucketObjectLockConfiguration",
        "publicAccessBlock": "GetBucketPublicAccessBlock",
        "ownershipControls": "GetBucketOwnershipControls",
        "notification": "GetBucketNotification",
        "location": "GetBucketLocation",
        "versions": "ListBucketVersions",
        "uploads": "ListBucketMultipartUploads",
        "": "ListBucket",
    },
    "HEAD": {"": "ListBucket"},
    "PUT": {
        "versioning": "PutBucketVersioning",
        "policy": "PutBucketPolicy",
        "acl": "PutBucketAcl",
        "cors": "PutBucketCORS",
        "website": "PutBucketWebsite",
        "logging": "PutBucketLogging",
        "tagging": "PutBucketTagging",
        "lifecycle": "PutLifecycleConfiguration",
        "replication": "PutReplicationConfiguration",
        "encryption": "PutEncryptionConfiguration",
        "accelerate": "PutAccelerateConfiguration",
        "requestPayment": "PutBucketRequestPayment",
        "object-lock": "PutBucketObjectLockConfiguration",
        "publicAccessBlock": "PutBucketPublicAccessBlock",
        "ownershipControls": "PutBucketOwnershipControls",
        "notification": "PutBucketNotification",
        "": "CreateBucket",
    },
    "DELETE": {
        "policy": "DeleteBucketPolicy",
        "cors": "PutBucketCORS",
        "website": "DeleteBucketWebsite",
        "tagging": "PutBucketTagging",
        "lifecycle": "PutLifecycleConfiguration",
        "replication": "PutReplicationConfiguration",
        "encryption": "PutEncryptionConfiguration",
        "publicAccessBlock": "PutBucketPublicAccessBlock",
        "ownershipControls": "PutBucketOwnershipControls",
        "": "DeleteBucket",
    },
}
#: The same for object requests; (sub-resource, with a versionId) first where it differs.
S3_OBJECT_ACTIONS: dict[str, dict[str, str]] = {
    "GET": {
        "tagging+version": "GetObjectVersionTagging",
        "acl+version": "GetObjectVersionAcl",
        "tagging": "GetObjectTagging",
        "acl": "GetObjectAcl",
        "attributes": "GetObjectAttributes",
        "uploadId": "ListMultipartUploadParts",
        "+version": "GetObjectVersion",
        "": "GetObject",
    },
    "PUT": {
        "tagging+version": "PutObjectVersionTagging",
        "tagging": "PutObjectTagging",
        "acl": "PutObjectAcl",
        "": "PutObject",
    },
    "DELETE": {
        "tagging+version": "DeleteObjectVersionTagging",
        "tagging": "DeleteObjectTagging",
        "uploadId": "AbortMultipartUpload",
        "+version": "DeleteObjectVersion",
        "": "DeleteObject",
    },
    "POST": {"restore": "RestoreObject", "select": "GetObject", "": "PutObject"},
}
S3_OBJECT_ACTIONS["HEAD"] = S3_OBJECT_ACTIONS["GET"]


def _s3_action(table: Mapping[str, str], query: Mapping[str, Any]) -> str:
    """The first entry whose sub-resource is in the query (and, for ``+version``, whose request
    names a versionId); the table's order puts the specific entries first and ``""`` last."""
    versioned = "versionId" in query
    for sub_resource, action in table.items():
        name, plus, _ = sub_resource.partition("+")
        if (not name or name in query) and (not plus or versioned):
            return action
    return table[""]


def _s3_deleted_objects(body: bytes) -> list[tuple[str, bool]]:
    """(key, has a version id) of each object in a DeleteObjects body."""
    try:
        root = ElementTree.fromstring(body or b"<Delete/>")
    except ElementTree.ParseError:
        return []
    found = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] != "Object":
            continue
        children = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in element}
        found.append((children.get("Key", ""), bool(children.get("VersionId"))))
    return found


def s3_authorizations(parsed: Parsed) -> list[Authorization]:
    resource = parsed.moto_resource
    path = resource.removeprefix(f"arn:{PARTITION}:s3:::")
    if path in ("", "*"):
        return [Authorization("s3:ListAllMyBuckets", "*")]
    bucket, _, key = path.partition("/")
    method = parsed.method.upper()
    if not key:
        if method == "POST" and "delete" in parsed.query:
            return [
                Authorization(
                    "s3:DeleteObjectVersion" if versioned else "s3:DeleteObject",
                    f"arn:{PARTITION}:s3:::{bucket}/{name}",
                )
                for name, versioned in _s3_deleted_objects(parsed.body)
            ] or [Authorization("s3:DeleteObject", f"arn:{PARTITION}:s3:::{bucket}/*")]
        table = S3_BUCKET_ACTIONS.get(method, {"": "ListBucket"})
        return [Authorization(f"s3:{_s3_action(table, parsed.query)}", resource)]
    table = S3_OBJECT_ACTIONS.get(method, {"": "GetObject"})
    found = [Authorization(f"s3:{_s3_action(table, parsed.query)}", resource)]
    copy_source = {k.lower(): v for k, v in parsed.headers.items()}.get("x-amz-copy-source")
    if method == "PUT" and copy_source:
        source, _, version = unquote(copy_source).lstrip("/").partition("?versionId=")
        action = "s3:GetObjectVersion" if version else "s3:GetObject"
        found.append(Authorization(action, f"arn:{PARTITION}:s3:::{source}"))
    return found


# -- IAM, STS, CloudWatch Logs, the rest -----------------------------------------------------


def _param(parsed: Parsed, name: str) -> str | None:
    value = parsed.query_value(name)
    if value is None:
        value = parsed.json_body().get(name)
    return str(value) if value else None


def generic_authorizations(parsed: Parsed, role_path: str | None = None) -> list[Authorization]:
    """``role_path``: the path of the role an IAM request names, when it exists (a role's ARN
    has its path: ``role/pipeline/deployer``); CreateRole's is its ``Path`` parameter."""
    action = f"{parsed.service}:{parsed.operation}"
    resource = parsed.moto_resource or "*"
    if parsed.service == "iam":
        if _param(parsed, "RoleName"):
            if role_path is None and parsed.operation == "CreateRole":
                role_path = _param(parsed, "Path")
            path = role_path or "/"
            name = _param(parsed, "RoleName")
            resource = f"arn:{PARTITION}:iam::{parsed.account}:role{path}{name}"
        elif _param(parsed, "PolicyArn"):
            resource = str(_param(parsed, "PolicyArn"))
        elif parsed.operation == "CreatePolicy" and _param(parsed, "PolicyName"):
            policy_path = _param(parsed, "Path") or "/"
            name = _param(parsed, "PolicyName")
            resource = f"arn:{PARTITION}:iam::{parsed.account}:policy{policy_path}{name}"
        elif _param(parsed, "UserName"):
            resource = f"arn:{PARTITION}:iam::{parsed.account}:user/{_param(parsed, 'UserName')}"
    elif parsed.service == "sts" and parsed.operation == "AssumeRole":
        resource = _param(parsed, "RoleArn") or resource
    elif parsed.service == "logs":
        if _param(parsed, "logGroupName"):
            name = _param(parsed, "logGroupName")
            resource = f"arn:{PARTITION}:logs:{parsed.region}:{parsed.account}:log-group:{name}"
        elif _param(parsed, "resourceArn"):
            resource = str(_param(parsed, "resourceArn"))
    return [Authorization(action, resource)]


def authorizations(
    parsed: Parsed, profile_version: str | None = None, role_path: str | None = None
) -> list[Authorization]:
    if parsed.service == "lambda":
        return lambda_authorizations(parsed)
    if parsed.service == "signer":
        return signer_authorizations(parsed, profile_version)
    if parsed.service == "s3":
        return s3_authorizations(parsed)
    return generic_authorizations(parsed, role_path)

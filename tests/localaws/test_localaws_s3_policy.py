"""TLS-only bucket policies behave as in AWS: denied over HTTP, allowed over HTTPS."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from localaws.iam.policy import Decision, Request, evaluate
from localaws.testing import LocalAws, running_local_aws

TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::BUCKET", "arn:aws:s3:::BUCKET/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}


@pytest.fixture(scope="module")
def https_and_http() -> Iterator[tuple[LocalAws, LocalAws]]:
    with running_local_aws(tls=True) as https, running_local_aws(tls=False) as http:
        yield https, http


@pytest.mark.parametrize("secure", [True, False])
def test_tls_only_policy(https_and_http: tuple[LocalAws, LocalAws], secure: bool) -> None:
    local = https_and_http[0] if secure else https_and_http[1]
    s3 = local.client("s3")
    bucket = f"tls-only-{'https' if secure else 'http'}"
    s3.create_bucket(Bucket=bucket)
    policy = json.dumps(TLS_ONLY).replace("BUCKET", bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    if secure:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        body = s3.get_object(Bucket=bucket, Key="k")["Body"].read()
        assert body == b"x"
    else:
        with pytest.raises(ClientError) as raised:
            s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_condition_evaluation() -> None:
    """The TLS-only statement denies only what came over plain HTTP (localaws.iam.policy)."""

    def decision(secure: str) -> Decision:
        request = Request(
            action="s3:GetObject",
            resource="arn:aws:s3:::BUCKET/k",
            context={"aws:SecureTransport": [secure]},
        )
        return evaluate([TLS_ONLY], request).decision

    assert decision("true") is Decision.IMPLICIT_DENY
    assert decision("false") is Decision.DENY

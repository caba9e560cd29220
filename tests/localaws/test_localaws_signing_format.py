"""The signed-package format (pure, no server)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from localaws import signing
from localaws.world import make_zip

JOB_ARN = "arn:aws:signer:us-east-1:123456789012:/signing-jobs/job-1"
PROFILE_VERSION_ARN = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/p/v1"


ROOT_KEY = signing.new_signing_key()
ROOT = signing.new_root_certificate(ROOT_KEY, "test root", datetime(2020, 1, 1, tzinfo=UTC))


def _chain(key: ec.EllipticCurvePrivateKey) -> tuple[bytes, bytes]:
    leaf = signing.issue_signing_certificate(
        ROOT_KEY, ROOT, key, PROFILE_VERSION_ARN, datetime(2020, 1, 1, tzinfo=UTC)
    )
    return leaf, ROOT


def _sign(
    data: bytes,
    key: ec.EllipticCurvePrivateKey | None = None,
    certificates: tuple[bytes, ...] | None = None,
) -> bytes:
    key = key or signing.new_signing_key()
    return signing.sign_package(
        data,
        key=key,
        job_arn=JOB_ARN,
        profile_version_arn=PROFILE_VERSION_ARN,
        signed_at=1_000,
        expires_at=2_000,
        certificates=certificates if certificates is not None else _chain(key),
    )


def test_signed_package_unzips_to_the_source_entries() -> None:
    source = make_zip("print('hello')\n")
    signed = _sign(source)
    with zipfile.ZipFile(io.BytesIO(signed)) as archive:
        assert archive.read("index.py") == b"print('hello')\n"
        assert archive.comment.startswith(signing.MAGIC)


def test_envelope_round_trips_and_verifies() -> None:
    key = signing.new_signing_key()
    signed = _sign(make_zip(), key)
    envelope = signing.read_envelope(signed)
    assert envelope is not None
    assert (envelope.job_arn, envelope.profile_version_arn) == (JOB_ARN, PROFILE_VERSION_ARN)
    assert (envelope.signed_at, envelope.expires_at) == (1_000, 2_000)
    assert signing.verify_integrity(signed, envelope, key.public_key())


def test_changed_entry_bytes_fail_verification() -> None:
    key = signing.new_signing_key()
    signed = bytearray(_sign(make_zip("x = 1\n"), key))
    at = signed.index(b"x = 1")
    signed[at] = ord("y")
    envelope = signing.read_envelope(bytes(signed))
    assert envelope is not None
    assert not signing.verify_integrity(bytes(signed), envelope, key.public_key())


def test_another_key_fails_verification() -> None:
    signed = _sign(make_zip())
    envelope = signing.read_envelope(signed)
    assert envelope is not None
    assert not signing.verify_integrity(signed, envelope, signing.new_signing_key().public_key())


def test_unsigned_zip_and_non_zip_have_no_envelope() -> None:
    assert signing.read_envelope(make_zip()) is None
    assert signing.read_envelope(b"not a zip") is None


def test_damaged_envelope_is_malformed() -> None:
    signed = _sign(make_zip())
    damaged = signed[:-5] + b"!!!!!"
    with pytest.raises(signing.MalformedSignatureError):
        signing.read_envelope(damaged)


def test_non_zip_cannot_be_signed() -> None:
    with pytest.raises(signing.NotAZipError):
        _sign(b"plain bytes")


def test_certificate_hashes_follow_aws_recipe_from_the_signed_bytes_alone() -> None:
    """The documented computation, redone here from the ZIP comment with no localaws helper."""
    signed = _sign(make_zip())
    with zipfile.ZipFile(io.BytesIO(signed)) as archive:
        fields = json.loads(archive.comment[len(b"LOCALAWS-SIGNER-V1 ") :])
    leaf, root = (
        x509.load_der_x509_certificate(base64.b64decode(der)) for der in fields["certificates"]
    )

    def tbs_hash(certificate: x509.Certificate) -> str:
        return hashlib.sha384(certificate.tbs_certificate_bytes).hexdigest()

    expected = [tbs_hash(leaf) + tbs_hash(root), tbs_hash(root) + tbs_hash(root)]
    envelope = signing.read_envelope(signed)
    assert envelope is not None
    assert envelope.certificate_hashes() == expected
    assert all(len(value) == 192 for value in expected)
    assert leaf.issuer == root.subject
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == [PROFILE_VERSION_ARN]


def test_a_chain_that_does_not_vouch_for_the_key_fails_verification() -> None:
    key = signing.new_signing_key()
    other_leaf, _ = _chain(signing.new_signing_key())
    stranger_key = signing.new_signing_key()
    stranger_root = signing.new_root_certificate(
        stranger_key, "stranger", datetime(2020, 1, 1, tzinfo=UTC)
    )
    for chain in (
        (other_leaf, ROOT),  # the leaf carries another key
        (_chain(key)[0], stranger_root),  # the leaf was not issued by the root that follows
        (),  # no chain at all
    ):
        signed = _sign(make_zip(), key, chain)
        envelope = signing.read_envelope(signed)
        assert envelope is not None
        assert not signing.verify_integrity(signed, envelope, key.public_key()), chain

"""The signed-package format (pure, no server)."""

from __future__ import annotations

import io
import zipfile

import pytest

from localaws import signing
from tests.localaws.localaws_support import make_zip

JOB_ARN = "arn:aws:signer:us-east-1:123456789012:/signing-jobs/job-1"
PROFILE_VERSION_ARN = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/p/v1"


def _sign(data: bytes, key: object | None = None) -> bytes:
    return signing.sign_package(
        data,
        key=key or signing.new_signing_key(),  # type: ignore[arg-type]
        job_arn=JOB_ARN,
        profile_version_arn=PROFILE_VERSION_ARN,
        signed_at=1_000,
        expires_at=2_000,
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

"""The signed-package format of the local Signer, and its verification.

A signed package is the source ZIP with its end-of-central-directory *comment* replaced by a
signature envelope::

    LOCALAWS-SIGNER-V1 {"digest": ..., "job": ..., "profileVersion": ..., "signedAt": ...,
                        "expiresAt": ..., "signature": ...}

The ZIP entries are untouched, so the package still unpacks to exactly the source files. The
signature is ECDSA P-384 over SHA-384 of a canonical JSON statement that binds:

1. ``digest``: SHA-384 of the package body (every byte up to the comment-length field), so any
   change to an entry, the central directory or the archive layout breaks it;
2. the signing job ARN and signing-profile version ARN, so a signature cannot be moved to
   another job or profile;
3. the signing and expiry times (epoch seconds).

The key is per signing-profile version and lives in the local Signer backend; Lambda looks it up
by the profile version ARN at deploy time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_public_key,
)

MAGIC = b"LOCALAWS-SIGNER-V1 "
_EOCD_SIGNATURE = b"PK\x05\x06"
_EOCD_SIZE = 22  # fixed part of the end-of-central-directory record, incl. comment length
_MAX_COMMENT = 0xFFFF


class NotAZipError(ValueError):
    """The bytes have no ZIP end-of-central-directory record."""


@dataclass(frozen=True)
class SignatureEnvelope:
    """What a signed package says about itself (not yet verified)."""

    digest: str
    job_arn: str
    profile_version_arn: str
    signed_at: int
    expires_at: int
    signature: bytes

    def statement(self) -> bytes:
        return _statement(
            self.digest, self.job_arn, self.profile_version_arn, self.signed_at, self.expires_at
        )


def _statement(
    digest: str, job_arn: str, profile_version_arn: str, signed_at: int, expires_at: int
) -> bytes:
    return json.dumps(
        {
            "digest": digest,
            "expiresAt": expires_at,
            "job": job_arn,
            "profileVersion": profile_version_arn,
            "signedAt": signed_at,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def _split(data: bytes) -> tuple[bytes, bytes]:
    """(body, comment) of a ZIP: body ends just before the 2-byte comment length."""
    search_from = len(data)
    floor = max(0, len(data) - _EOCD_SIZE - _MAX_COMMENT)
    while True:
        at = data.rfind(_EOCD_SIGNATURE, floor, search_from)
        if at < 0:
            raise NotAZipError("no ZIP end-of-central-directory record")
        comment_length = int.from_bytes(data[at + 20 : at + 22], "little")
        if at + _EOCD_SIZE + comment_length == len(data):
            return data[: at + 20], data[at + 22 :]
        search_from = at


def package_digest(data: bytes) -> str:
    body, _ = _split(data)
    return hashlib.sha384(body).hexdigest()


def sign_package(
    data: bytes,
    *,
    key: ec.EllipticCurvePrivateKey,
    job_arn: str,
    profile_version_arn: str,
    signed_at: int,
    expires_at: int,
) -> bytes:
    """Return ``data`` with a signature envelope as its ZIP comment (raises NotAZipError)."""
    body, _ = _split(data)
    digest = hashlib.sha384(body).hexdigest()
    statement = _statement(digest, job_arn, profile_version_arn, signed_at, expires_at)
    signature = key.sign(statement, ec.ECDSA(hashes.SHA384()))
    envelope = (
        MAGIC
        + json.dumps(
            {
                "digest": digest,
                "job": job_arn,
                "profileVersion": profile_version_arn,
                "signedAt": signed_at,
                "expiresAt": expires_at,
                "signature": base64.b64encode(signature).decode(),
            },
            separators=(",", ":"),
        ).encode()
    )
    return body + len(envelope).to_bytes(2, "little") + envelope


class MalformedSignatureError(ValueError):
    """The package carries a signature envelope that cannot be parsed."""


def read_envelope(data: bytes) -> SignatureEnvelope | None:
    """The package's signature envelope, or None when the package is unsigned.

    Raises MalformedSignatureError when an envelope is present but damaged.
    """
    try:
        _, comment = _split(data)
    except NotAZipError:
        return None
    if not comment.startswith(MAGIC):
        return None
    try:
        fields = json.loads(comment[len(MAGIC) :])
        return SignatureEnvelope(
            digest=str(fields["digest"]),
            job_arn=str(fields["job"]),
            profile_version_arn=str(fields["profileVersion"]),
            signed_at=int(fields["signedAt"]),
            expires_at=int(fields["expiresAt"]),
            signature=base64.b64decode(fields["signature"], validate=True),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise MalformedSignatureError(str(error)) from error


def is_signed(data: bytes) -> bool:
    """True when the ZIP's comment is a signature envelope (well-formed or not)."""
    try:
        _, comment = _split(data)
    except NotAZipError:
        return False
    return comment.startswith(MAGIC)


def verify_integrity(
    data: bytes, envelope: SignatureEnvelope, public_key: ec.EllipticCurvePublicKey
) -> bool:
    """True when the package body matches the envelope's digest and the signature verifies."""
    if package_digest(data) != envelope.digest:
        return False
    public_der = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return _signature_valid(public_der, envelope.signature, envelope.statement())


@functools.lru_cache(maxsize=4096)
def _signature_valid(public_der: bytes, signature: bytes, statement: bytes) -> bool:
    """ECDSA verification, memoized: the answer for one (key, signature, statement) never changes.

    A deploy verifies the same signed package many times (every function built from one
    artifact, every layer it attaches); each ECDSA P-384 check costs milliseconds. The digest of
    the package bytes is still computed on every call (``verify_integrity``).
    """
    public_key = load_der_public_key(public_der)
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    try:
        public_key.verify(signature, statement, ec.ECDSA(hashes.SHA384()))
    except InvalidSignature:
        return False
    return True


def new_signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())

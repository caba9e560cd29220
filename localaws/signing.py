"""The signed-package format of the local Signer, and its verification.

A signed package is the source ZIP with its end-of-central-directory *comment* replaced by a
signature envelope::

    LOCALAWS-SIGNER-V1 {"digest": ..., "job": ..., "profileVersion": ..., "signedAt": ...,
                        "expiresAt": ..., "certificates": [...], "signature": ...}

The ZIP entries are untouched, so the package still unpacks to exactly the source files. The
signature is ECDSA P-384 over SHA-384 of a canonical JSON statement that binds:

1. ``digest``: SHA-384 of the package body (every byte up to the comment-length field), so any
   change to an entry, the central directory or the archive layout breaks it;
2. the signing job ARN and signing-profile version ARN, so a signature cannot be moved to
   another job or profile;
3. the signing and expiry times (epoch seconds);
4. ``certificates``: the certificate chain, leaf first, each a base64 DER X.509 certificate:
   the profile version's signing certificate (its public key is the key that made the
   signature; its URI subject alternative name is the profile version ARN), then the local
   Signer's root CA of the account and region (self-signed).

The key is per signing-profile version and lives in the local Signer backend; Lambda looks it up
by the profile version ARN at deploy time, and also requires the leaf certificate to carry that
key and to be issued by the root that follows it.

Certificate hashes (Signer ``GetRevocationStatus``'s ``certificateHashes``)
---------------------------------------------------------------------------
AWS documents a certificate's identifier as the SHA-384 hash of its TBS ("to be signed") part
combined with the SHA-384 hash of its issuer's TBS part, a root being its own issuer (the
``openssl asn1parse -strparse 4`` / ``openssl sha384`` / ``xxd -p`` recipe in the API
reference). A client computes them from the signed object alone, with no AWS call:

1. read the ZIP comment, drop the ``LOCALAWS-SIGNER-V1 `` prefix, parse the JSON;
2. base64-decode each entry of ``certificates`` (DER), in order; certificate ``i``'s issuer is
   certificate ``i + 1``, and the last one (the root) is its own issuer;
3. for each certificate: lowercase hex of SHA-384(its ``tbsCertificate`` DER) followed by the
   lowercase hex of SHA-384(its issuer's ``tbsCertificate`` DER): 192 hex characters.

So a package gives two hashes, leaf-then-root: ``H(leaf)+H(root)`` and ``H(root)+H(root)``.
:func:`certificate_hashes` is this computation; with the ``cryptography`` package it is
``hashlib.sha384(x509.load_der_x509_certificate(der).tbs_certificate_bytes).hexdigest()``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_public_key,
)
from cryptography.x509.oid import NameOID

MAGIC = b"LOCALAWS-SIGNER-V1 "
_EOCD_SIGNATURE = b"PK\x05\x06"
_EOCD_SIZE = 22  # fixed part of the end-of-central-directory record, incl. comment length
_MAX_COMMENT = 0xFFFF
#: Certificates outlive every signature they vouch for (Signer's longest validity is 135 months).
_CERTIFICATE_NOT_AFTER = datetime(2100, 1, 1, tzinfo=UTC)


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
    #: DER X.509 certificates, leaf (the profile version's) first, root last.
    certificates: tuple[bytes, ...]
    signature: bytes

    def statement(self) -> bytes:
        return _statement(
            self.digest,
            self.job_arn,
            self.profile_version_arn,
            self.signed_at,
            self.expires_at,
            self.certificates,
        )

    def certificate_hashes(self) -> list[str]:
        """The chain's certificate hashes, as GetRevocationStatus takes them."""
        return certificate_hashes(self.certificates)


def _statement(
    digest: str,
    job_arn: str,
    profile_version_arn: str,
    signed_at: int,
    expires_at: int,
    certificates: Sequence[bytes],
) -> bytes:
    return json.dumps(
        {
            "certificates": [base64.b64encode(der).decode() for der in certificates],
            "digest": digest,
            "expiresAt": expires_at,
            "job": job_arn,
            "profileVersion": profile_version_arn,
            "signedAt": signed_at,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


# -- certificates -------------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "localaws Signer"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def new_root_certificate(
    key: ec.EllipticCurvePrivateKey, common_name: str, not_before: datetime
) -> bytes:
    """A self-signed CA certificate (DER): the local Signer's root for one account and region."""
    name = _name(common_name)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before - timedelta(minutes=5))
        .not_valid_after(_CERTIFICATE_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA384())
    )
    return certificate.public_bytes(Encoding.DER)


def issue_signing_certificate(
    root_key: ec.EllipticCurvePrivateKey,
    root_der: bytes,
    key: ec.EllipticCurvePrivateKey,
    profile_version_arn: str,
    not_before: datetime,
) -> bytes:
    """The profile version's signing certificate (DER), issued by the root."""
    root = x509.load_der_x509_certificate(root_der)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("localaws Signer signing profile version"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before - timedelta(minutes=5))
        .not_valid_after(_CERTIFICATE_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(profile_version_arn)]),
            critical=False,
        )
        .sign(root_key, hashes.SHA384())
    )
    return certificate.public_bytes(Encoding.DER)


def certificate_hashes(chain: Sequence[bytes]) -> list[str]:
    """hex(SHA-384(TBS)) + hex(SHA-384(issuer's TBS)) per certificate, leaf first (see above).

    Raises ValueError when an entry is not a DER certificate.
    """
    tbs_hashes = [
        hashlib.sha384(x509.load_der_x509_certificate(der).tbs_certificate_bytes).hexdigest()
        for der in chain
    ]
    return [
        own + (tbs_hashes[index + 1] if index + 1 < len(tbs_hashes) else own)
        for index, own in enumerate(tbs_hashes)
    ]


def _chain_vouches_for(chain: Sequence[bytes], public_der: bytes) -> bool:
    """The leaf carries ``public_der`` and each certificate is issued by the next (root: itself)."""
    try:
        certificates = [x509.load_der_x509_certificate(der) for der in chain]
    except ValueError:
        return False
    if not certificates:
        return False
    leaf_key = (
        certificates[0].public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    )
    if leaf_key != public_der:
        return False
    for index, certificate in enumerate(certificates):
        issuer = certificates[index + 1] if index + 1 < len(certificates) else certificate
        try:
            certificate.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return False
    return True


# -- the package --------------------------------------------------------------------------------


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
    certificates: Sequence[bytes],
) -> bytes:
    """Return ``data`` with a signature envelope as its ZIP comment (raises NotAZipError).

    ``certificates``: the chain, leaf first (DER); the leaf must carry ``key``'s public key.
    """
    body, _ = _split(data)
    digest = hashlib.sha384(body).hexdigest()
    statement = _statement(
        digest, job_arn, profile_version_arn, signed_at, expires_at, certificates
    )
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
                "certificates": [base64.b64encode(der).decode() for der in certificates],
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
            certificates=tuple(
                base64.b64decode(str(der), validate=True) for der in fields["certificates"]
            ),
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
    """True when the package body matches the envelope's digest, the signature verifies with
    ``public_key`` and the certificate chain vouches for that key."""
    if package_digest(data) != envelope.digest:
        return False
    public_der = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return _signature_valid(
        public_der, envelope.signature, envelope.statement(), envelope.certificates
    )


@functools.lru_cache(maxsize=4096)
def _signature_valid(
    public_der: bytes, signature: bytes, statement: bytes, chain: tuple[bytes, ...]
) -> bool:
    """ECDSA and chain verification, memoized: the answer for one (key, signature, statement,
    chain) never changes.

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
    return _chain_vouches_for(chain, public_der)


def new_signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())

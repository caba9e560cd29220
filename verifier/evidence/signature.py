"""The certificate hashes of a signed package: what Signer's ``GetRevocationStatus`` takes.

AWS documents a certificate's identifier as the SHA-384 hash of its TBS ("to be signed") part
followed by the SHA-384 hash of its issuer's TBS part (a root is its own issuer). The chain
comes from the signature inside the signed object, so it is read from the object's tail (the
ZIP's end-of-central-directory comment, where the signature lives), never from an API.

Formats known: the local AWS's envelope (``LOCALAWS-SIGNER-V1``, :mod:`localaws.signing`).
AWS Signer's own Lambda signature format is not documented; a package whose signature is in a
format not known here gives :class:`SignatureFormatError`, and the revocation it would decide
is reported as not established (an ERROR), never as not revoked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

#: Bytes read from the end of a signed object: the fixed EOCD record plus the longest comment.
TAIL_BYTES = 22 + 0xFFFF
_EOCD_SIGNATURE = b"PK\x05\x06"
LOCAL_MAGIC = b"LOCALAWS-SIGNER-V1 "


class SignatureFormatError(ValueError):
    """The package's signature cannot be read (not a ZIP, no signature, unknown format)."""


def zip_comment(tail: bytes) -> bytes:
    """The end-of-central-directory comment of a ZIP whose last bytes are ``tail``."""
    at = tail.rfind(_EOCD_SIGNATURE)
    while at >= 0:
        length = int.from_bytes(tail[at + 20 : at + 22], "little")
        if at + 22 + length == len(tail):
            return tail[at + 22 :]
        at = tail.rfind(_EOCD_SIGNATURE, 0, at)
    raise SignatureFormatError("not a ZIP (no end-of-central-directory record)")


def _der_length(data: bytes, at: int) -> tuple[int, int]:
    """(length, offset of the content) of the DER element whose length byte is at ``at``."""
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    if count == 0 or count > 4 or at + 1 + count > len(data):
        raise SignatureFormatError("a certificate is not DER")
    return int.from_bytes(data[at + 1 : at + 1 + count], "big"), at + 1 + count


def tbs_certificate(der: bytes) -> bytes:
    """The DER of ``tbsCertificate``: the first element of the Certificate SEQUENCE."""
    if len(der) < 4 or der[0] != 0x30:
        raise SignatureFormatError("a certificate is not a DER SEQUENCE")
    _, content = _der_length(der, 1)
    if der[content] != 0x30:
        raise SignatureFormatError("a certificate has no tbsCertificate")
    length, body = _der_length(der, content + 1)
    end = body + length
    if end > len(der):
        raise SignatureFormatError("a certificate is truncated")
    return der[content:end]


def certificate_hashes(chain: list[bytes]) -> list[str]:
    """hex(SHA-384(TBS)) + hex(SHA-384(issuer's TBS)) per certificate, leaf first."""
    own = [hashlib.sha384(tbs_certificate(der)).hexdigest() for der in chain]
    return [h + (own[i + 1] if i + 1 < len(own) else h) for i, h in enumerate(own)]


def chain_from_tail(tail: bytes) -> list[bytes]:
    """The certificate chain (DER, leaf first) of the signature a signed package carries."""
    comment = zip_comment(tail)
    if not comment.startswith(LOCAL_MAGIC):
        raise SignatureFormatError(
            "the signature is in a format this verifier cannot read (AWS Signer's Lambda "
            "signature format is not documented)"
        )
    try:
        envelope = json.loads(comment[len(LOCAL_MAGIC) :])
        chain = [base64.b64decode(str(der), validate=True) for der in envelope["certificates"]]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise SignatureFormatError("the signature envelope is malformed") from None
    if not chain:
        raise SignatureFormatError("the signature carries no certificates")
    return chain


def hashes_from_tail(tail: bytes) -> list[str]:
    return certificate_hashes(chain_from_tail(tail))

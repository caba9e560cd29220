"""The local AWS's notion of "now", with an offset that tests can shift.

Signature expiry is measured in days or more, so a test cannot wait for one to lapse. Every
time the extension reads (signing-job timestamps, expiry and revocation checks) comes from
:func:`now`, and the admin endpoint ``POST /_localaws/clock`` (see :mod:`localaws.admin`) moves
the offset, so a test can jump past a signature's expiry and back. moto's own timestamps are
not shifted.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

_lock = threading.Lock()
_offset = timedelta(0)


def now() -> datetime:
    """The current UTC time plus the configured offset (timezone-aware)."""
    with _lock:
        return datetime.now(UTC) + _offset


def set_offset(seconds: float) -> None:
    """Shift the local clock by ``seconds`` from real time (0 restores real time)."""
    global _offset
    with _lock:
        _offset = timedelta(seconds=seconds)


def offset_seconds() -> float:
    with _lock:
        return _offset.total_seconds()

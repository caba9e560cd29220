"""What can stop a build, split by whose problem it is.

- :class:`PackageError`: the source cannot be packaged as declared (a missing hash, a symlink
  out of the source, no ``bootstrap``, ...). Synth stops with the one line (exit 2); the
  verifier treats the checkout as an input error.
- :class:`BuildUnavailable`: the build could not run *here* (a tool is missing, a pinned wheel
  or tarball cannot be fetched). It says nothing about the source, so the verifier reports an
  ERROR (exit 3), never a "changed".
"""

from __future__ import annotations


class PackageError(ValueError):
    """The source cannot be packaged as declared; the message says what to do."""


class BuildUnavailable(RuntimeError):
    """The build could not run on this machine; nothing is known about the source."""


class ToolMissing(BuildUnavailable):
    """pip, npm or Node is not available where the builder looks for it."""


class FetchFailed(BuildUnavailable):
    """A pinned dependency could not be fetched (offline, no cache, index unreachable)."""


class UnreproducibleHere(BuildUnavailable):
    """This machine cannot produce the canonical bytes (another zlib, another builder)."""

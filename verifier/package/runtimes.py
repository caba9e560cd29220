"""What the builder needs to know about a Lambda runtime: its kind, language version, libc.

Lambda pairs each runtime with an Amazon Linux release (AWS Lambda developer guide, "Lambda
runtimes"): Python 3.12+, Node.js 20+ and ``provided.al2023`` run on Amazon Linux 2023
(glibc 2.34); Python 3.9-3.11, Node.js 18 and ``provided.al2`` on Amazon Linux 2 (glibc 2.26).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from verifier.package.errors import PackageError


class PackageKind(StrEnum):
    """How a package is built (the manifest records it per package)."""

    #: ``python3.*``: the source, plus ``requirements.txt`` installed by pip for the target.
    PYTHON = "python"
    #: ``nodejs*``: the source, plus ``node_modules`` from ``package-lock.json`` by ``npm ci``.
    NODE = "node"
    #: ``provided.*``: the source must hold an executable ``bootstrap`` (Go, Rust, ...).
    CUSTOM = "custom"
    #: Java, .NET, Ruby: the directory is a build's output, shipped as it is.
    PREBUILT = "prebuilt"


#: Lambda's architecture names -> the names pip's manylinux tags and npm's ``--cpu`` use.
MANYLINUX_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}
NODE_CPU = {"x86_64": "x64", "arm64": "arm64"}
ARCHITECTURES = tuple(MANYLINUX_MACHINE)

_PYTHON = re.compile(r"^python(3)\.(\d+)$")
_NODE = re.compile(r"^nodejs(\d+)\.x$")
_CUSTOM = re.compile(r"^provided(\.al2|\.al2023)?$")

#: The oldest manylinux glibc any Lambda runtime accepts (manylinux2014 = glibc 2.17).
_MANYLINUX_FLOOR = 17


@dataclass(frozen=True)
class Runtime:
    name: str
    kind: PackageKind
    #: (major, minor) for Python, (major,) for Node, () otherwise.
    version: tuple[int, ...]
    #: glibc minor version of the runtime's Amazon Linux (2.34 -> 34, 2.26 -> 26).
    glibc_minor: int

    @property
    def python_version(self) -> str:
        """``3.12`` for pip's ``--python-version``."""
        return ".".join(map(str, self.version))

    @property
    def python_tag(self) -> str:
        """``cp312``: CPython is the only implementation Lambda runs."""
        return "cp" + "".join(map(str, self.version))

    def manylinux_platforms(self, architecture: str) -> tuple[str, ...]:
        """Every manylinux platform tag whose wheels run on this runtime, best first.

        pip expands ``manylinux2014_*`` to the older 2010/1 tags by itself, but not the PEP 600
        ``manylinux_2_N_*`` tags, so each glibc version from the runtime's down to 2.17 is
        listed (as SAM's builder does for Python 3.12+)."""
        machine = MANYLINUX_MACHINE[architecture]
        tags = [
            f"manylinux_2_{n}_{machine}" for n in range(self.glibc_minor, _MANYLINUX_FLOOR - 1, -1)
        ]
        return (*tags, f"manylinux2014_{machine}")


def runtime(name: str) -> Runtime:
    """The builder's view of a Lambda runtime identifier."""
    if match := _PYTHON.match(name):
        minor = int(match.group(2))
        return Runtime(name, PackageKind.PYTHON, (3, minor), 34 if minor >= 12 else 26)
    if match := _NODE.match(name):
        major = int(match.group(1))
        return Runtime(name, PackageKind.NODE, (major,), 34 if major >= 20 else 26)
    if match := _CUSTOM.match(name):
        return Runtime(name, PackageKind.CUSTOM, (), 34 if match.group(1) == ".al2023" else 26)
    if re.match(r"^(java|dotnet|ruby)", name):
        return Runtime(name, PackageKind.PREBUILT, (), 34)
    raise PackageError(f"{name!r} is not a Lambda runtime the builder knows (e.g. python3.12)")


def kind_of(runtimes: tuple[str, ...]) -> PackageKind:
    """One kind for a function's runtime or all of a layer's compatible runtimes.

    A layer for several languages (say Python and Node) can only be shipped as it is."""
    if not runtimes:
        raise PackageError("no runtime given")
    kinds = {runtime(name).kind for name in runtimes}
    return kinds.pop() if len(kinds) == 1 else PackageKind.PREBUILT

"""Reproducible Lambda packages: the same source and lock give byte-identical zips.

The stack builds every function and layer package with this package at synth time; the
verifier rebuilds them from a checkout (``verify --source``) and compares bytes. It needs
nothing beyond the plain verifier install: pip and npm run as subprocesses (``tools``).

- ``build``: one package, source to zip and SBOM (``build_package``, ``BuildSpec``);
- ``tree``, ``excludes``: which files go in (symlinks, modes, exclude patterns);
- ``python``, ``node``: dependencies for the function's runtime and architecture;
- ``archive``: the deterministic zip, and what two zips disagree on;
- ``sbom``: the CycloneDX SBOM; ``cache``: the content-addressed build cache;
- ``smoke``: importing the handler from the built package; ``provenance``: rebuild and compare.
"""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.package.errors import (
    BuildUnavailable,
    FetchFailed,
    PackageError,
    ToolMissing,
    UnreproducibleHere,
)

if TYPE_CHECKING:
    from verifier.package.build import BUILDER_VERSION, BuildSpec, BuiltPackage, build_package
    from verifier.package.cache import BuildCache
    from verifier.package.excludes import DEFAULT_EXCLUDES, effective_excludes
    from verifier.package.runtimes import PackageKind
    from verifier.package.tools import Toolchain

#: The builder's names, imported on first use (PEP 562): ``verify`` without ``--source`` reads
#: ``archive`` and ``errors`` only, and does not pay for importing pip's and npm's drivers.
_LAZY = {
    "BUILDER_VERSION": "build",
    "BuildSpec": "build",
    "BuiltPackage": "build",
    "build_package": "build",
    "BuildCache": "cache",
    "DEFAULT_EXCLUDES": "excludes",
    "effective_excludes": "excludes",
    "PackageKind": "runtimes",
    "Toolchain": "tools",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def package_sha256(source_dir: Path) -> str:
    """SHA-256 (hex) of the package ``build_package`` makes of a bare directory."""
    from verifier.package.build import build_package

    with tempfile.TemporaryDirectory(prefix="signed-lambda-package-") as scratch:
        return build_package(source_dir, Path(scratch) / "package.zip").sha256_hex


__all__ = [
    "BUILDER_VERSION",
    "DEFAULT_EXCLUDES",
    "BuildCache",
    "BuildSpec",
    "BuildUnavailable",
    "BuiltPackage",
    "FetchFailed",
    "PackageError",
    "PackageKind",
    "ToolMissing",
    "Toolchain",
    "UnreproducibleHere",
    "build_package",
    "effective_excludes",
    "package_sha256",
]

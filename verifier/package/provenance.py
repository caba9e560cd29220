"""``verify --source``: rebuild a declared package from a checkout, and say how it differs.

The manifest says how each package was built (``PackageBuild``: kind, runtimes,
architecture, excludes, install scripts, builder version); :class:`Rebuilder` builds the
checkout's source exactly so, from scratch (never from the synth's build cache), and keeps only
what the comparison needs: the zip's hash and its entries' digests, never the zip itself.
Whether the rebuild *equals* the signed bytes is the check's to judge; this module also says
what the manifest declares that the rebuild contradicts (dependencies, the SBOM's hash), and
which entries differ from the signed zip.

A rebuild that cannot run here (pip or npm missing, a pinned file that cannot be fetched,
another builder version) is an ERROR, never a "changed" (another builder version raises
:class:`UnreproducibleHere`); where the dependencies cannot be installed, the source's own files
are still compared: one that differs from the signed zip's (a changed pin changes
``requirements.txt``) is a change whatever the dependencies are.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from verifier.contract.manifest import Dependency, LayerManifest, SignedArtifact
from verifier.package.archive import ZipDifference, difference, entry_digests
from verifier.package.build import BUILDER_VERSION, BuildSpec, build_package, source_digests
from verifier.package.errors import FetchFailed, PackageError, ToolMissing, UnreproducibleHere
from verifier.package.tools import Toolchain


@dataclass(frozen=True)
class Rebuilt:
    #: None: not rebuilt, the dependencies could not be installed here (``unavailable`` says
    #: why), and ``entries`` holds only the source's own files.
    sha256_hex: str | None
    #: ``{entry name: digest of its bytes and mode}`` (archive.entry_digests).
    entries: dict[str, str]
    dependencies: tuple[Dependency, ...]
    sbom_sha256: str
    #: What the manifest declares that this build contradicts, one sentence each.
    contradictions: tuple[str, ...]
    unavailable: str = ""


def _listed(dependencies: set[Dependency]) -> str:
    return ", ".join(f"{d.name} {d.version}" for d in sorted(dependencies, key=str)) or "none"


def contradictions(
    artifact: SignedArtifact, dependencies: tuple[Dependency, ...], sbom_sha256: str
) -> tuple[str, ...]:
    declared = set(artifact.package.dependencies)
    built = set(dependencies)
    found = []
    if declared != built:
        found.append(
            f"the manifest declares dependencies the source does not build "
            f"({_listed(declared - built)}; the source builds {_listed(built - declared)})"
        )
    elif artifact.package.sbom_sha256 != sbom_sha256:
        found.append(
            f"the manifest's SBOM hash ({artifact.package.sbom_sha256[:12]}...) is not the "
            f"SBOM's this source builds ({sbom_sha256[:12]}...)"
        )
    return tuple(found)


class Rebuilder:
    """Rebuilds the packages a manifest declares from one checkout, each build once."""

    def __init__(self, checkout: Path, tools: Toolchain | None = None) -> None:
        self.checkout = checkout.resolve()
        self.tools = tools or Toolchain(project_root=self.checkout)
        self._built: dict[BuildSpec, Rebuilt] = {}

    def rebuild(self, artifact: SignedArtifact) -> Rebuilt:
        declared = artifact.package
        if declared.builder_version != BUILDER_VERSION:
            raise UnreproducibleHere(
                f"{artifact.source_dir} was built by package builder {declared.builder_version}"
                f" and this verifier's is {BUILDER_VERSION}: rebuild with the signed-lambda "
                "release that deployed it, or redeploy with this one"
            )
        source = (self.checkout / artifact.source_dir).resolve()
        if not source.is_relative_to(self.checkout):
            raise PackageError(f"{artifact.source_dir} is outside the checkout {self.checkout}")
        spec = BuildSpec.from_declaration(
            source, artifact.source_dir, declared, layer=isinstance(artifact, LayerManifest)
        )
        if spec not in self._built:
            self._built[spec] = self._build(spec)
        rebuilt = self._built[spec]
        if rebuilt.sha256_hex is None:
            return rebuilt
        return replace(
            rebuilt,
            contradictions=contradictions(artifact, rebuilt.dependencies, rebuilt.sbom_sha256),
        )

    def _build(self, spec: BuildSpec) -> Rebuilt:
        with tempfile.TemporaryDirectory(prefix="signed-lambda-rebuild-") as scratch:
            try:
                built = build_package(spec, Path(scratch) / "package.zip", tools=self.tools)
            except (ToolMissing, FetchFailed) as error:
                # Nothing is known about the dependencies; the source's own files can still
                # be compared with the signed zip's (a changed pin changes requirements.txt).
                return Rebuilt(None, source_digests(spec), (), "", (), unavailable=str(error))
            return Rebuilt(
                sha256_hex=built.sha256_hex,
                entries=entry_digests(built.path),
                dependencies=built.dependencies,
                sbom_sha256=built.sbom_sha256,
                contradictions=(),
            )


def compare_signed(rebuilt: Rebuilt, download: Callable[[IO[bytes]], None]) -> ZipDifference:
    """The entries the rebuilt zip and the signed one disagree on (only the source's own files
    when the dependencies could not be rebuilt). ``download`` writes the signed bytes into the
    file it is given (a scratch file, removed afterwards)."""
    with tempfile.TemporaryFile() as handle:
        download(handle)
        handle.seek(0)
        try:
            signed = entry_digests(handle)
        except zipfile.BadZipFile:
            return ZipDifference(names=("(the signed source is not a zip file)",), more=0)
    if rebuilt.sha256_hex is None:
        signed = {name: digest for name, digest in signed.items() if name in rebuilt.entries}
    return difference(rebuilt.entries, signed)

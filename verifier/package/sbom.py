"""The package's SBOM: CycloneDX 1.6 JSON, written directly from the documented format.

Written here rather than with ``cyclonedx-python-lib``: that library (and its dependencies)
would join the plain verifier install, which rebuilds the SBOM to check its hash, and its
output carries a timestamp and a random serial number unless both are overridden. The few
fields used are fixed by the schema (``bom-1.6.schema.json``: ``bomFormat`` and
``specVersion`` required; a component needs ``type`` and ``name``; a hash ``alg`` and hex
``content``); the tests validate the output against that schema.

Reproducible like the package: no timestamp; the serial number is a UUID derived from the
package's own hash; components sorted; keys in a fixed order.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from verifier.contract.manifest import Dependency

SPEC_VERSION = "1.6"
#: CycloneDX's names for the hash algorithms the builder records.
ALGORITHMS = {"sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}
#: A fixed namespace for the serial numbers (uuid5 of the package hash and its label).
SERIAL_NAMESPACE = uuid.UUID("5a0f4f54-6d1c-4e5e-9a53-3b0c1e0a7c19")


@dataclass(frozen=True)
class Installation:
    """What pip or npm installed: the dependencies, and which needs which (for the graph)."""

    dependencies: tuple[Dependency, ...] = ()
    #: The dependencies the package itself needs (not only through another one).
    direct: tuple[Dependency, ...] = ()
    requires: Mapping[Dependency, tuple[Dependency, ...]] = field(default_factory=dict)


def purl(kind: str, dependency: Dependency) -> str:
    """The package URL (purl spec): ``pkg:pypi/name@version``, ``pkg:npm/%40scope/name@v``."""
    if kind == "node":
        name = urllib.parse.quote(dependency.name, safe="/")
        return f"pkg:npm/{name}@{urllib.parse.quote(dependency.version)}"
    name = dependency.name.lower().replace("_", "-").replace(".", "-")
    return f"pkg:pypi/{name}@{urllib.parse.quote(dependency.version)}"


def _hash(value: str) -> dict[str, str]:
    algorithm, _, content = value.partition(":")
    return {"alg": ALGORITHMS[algorithm], "content": content}


def document(
    *,
    label: str,
    kind: str,
    runtimes: Iterable[str],
    architecture: str,
    package_sha256: str,
    installation: Installation,
    builder_version: int,
) -> dict[str, object]:
    components = []
    for dependency in sorted(installation.dependencies, key=lambda d: (d.name.lower(), d.version)):
        reference = purl(kind, dependency)
        component: dict[str, object] = {
            "type": "library",
            "bom-ref": reference,
            "name": dependency.name,
            "version": dependency.version,
            "purl": reference,
        }
        if dependency.hash:
            component["hashes"] = [_hash(dependency.hash)]
        components.append(component)
    serial = uuid.uuid5(SERIAL_NAMESPACE, f"{label}\0{package_sha256}")
    return {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{serial}",
        "version": 1,
        "metadata": {
            "tools": {
                "components": [
                    {
                        "type": "application",
                        "name": "signed-lambda package builder",
                        "version": str(builder_version),
                    }
                ]
            },
            "component": {
                "type": "application",
                "bom-ref": "package",
                "name": label,
                "hashes": [{"alg": "SHA-256", "content": package_sha256}],
                "properties": [
                    {"name": "signed-lambda:package:kind", "value": kind},
                    {"name": "signed-lambda:package:runtimes", "value": ",".join(runtimes)},
                    {"name": "signed-lambda:package:architecture", "value": architecture},
                ],
            },
        },
        "components": components,
        "dependencies": [
            {"ref": "package", "dependsOn": _refs(kind, installation.direct)},
            *(
                {"ref": purl(kind, d), "dependsOn": _refs(kind, installation.requires.get(d, ()))}
                for d in sorted(
                    installation.dependencies, key=lambda d: (d.name.lower(), d.version)
                )
            ),
        ],
    }


def _refs(kind: str, dependencies: Iterable[Dependency]) -> list[str]:
    return sorted({purl(kind, dependency) for dependency in dependencies})


def render(sbom: dict[str, object]) -> bytes:
    return (json.dumps(sbom, indent=2) + "\n").encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

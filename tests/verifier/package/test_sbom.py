"""The SBOM beside each package: CycloneDX 1.6 JSON, valid against the official schema, with
every installed dependency (purl, hash), the dependency graph, and reproducible bytes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.verifier.package import indexes
from verifier.contract.manifest import Dependency
from verifier.package import BuildSpec, build_package
from verifier.package.sbom import purl

SCHEMA = json.loads((Path(__file__).parent / "cyclonedx" / "bom-1.6.schema.json").read_text())


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, indexes.Wheel]]:
    wheels = tmp_path / "wheels"
    found = {
        "needs": indexes.wheel(
            wheels, "Needs_It", "1.0", {"needs_it.py": ""}, requires=["urllib9>=2"]
        ),
        "urllib9": indexes.wheel(wheels, "urllib9", "2.1", {"urllib9.py": ""}),
    }
    indexes.pip_env(monkeypatch, wheels)
    source = tmp_path / "checkout" / "functions" / "api"
    source.mkdir(parents=True)
    (source / "handler.py").write_text("import needs_it\n")
    (source / "requirements.txt").write_text(
        "".join(w.requirement() + "\n" for w in found.values())
    )
    return source, found


def test_the_sbom_lists_each_dependency_with_its_purl_hash_and_graph(
    built: tuple[Path, dict[str, indexes.Wheel]], tmp_path: Path
) -> None:
    source, wheels = built
    package = build_package(
        BuildSpec(source, "functions/api", architecture="arm64"), tmp_path / "api.zip"
    )
    assert package.sbom_path == tmp_path / "api.cdx.json"
    data = package.sbom_path.read_bytes()
    sbom = json.loads(data)
    jsonschema.Draft7Validator(SCHEMA).validate(sbom)
    assert (sbom["bomFormat"], sbom["specVersion"], sbom["version"]) == ("CycloneDX", "1.6", 1)
    assert "timestamp" not in sbom["metadata"]
    component = sbom["metadata"]["component"]
    assert component["name"] == "functions/api"
    assert component["hashes"] == [{"alg": "SHA-256", "content": package.sha256_hex}]
    assert {"name": "signed-lambda:package:architecture", "value": "arm64"} in component[
        "properties"
    ]
    assert [(c["name"], c["version"], c["purl"], c["hashes"]) for c in sbom["components"]] == [
        (
            "Needs_It",
            "1.0",
            "pkg:pypi/needs-it@1.0",
            [{"alg": "SHA-256", "content": wheels["needs"].sha256}],
        ),
        (
            "urllib9",
            "2.1",
            "pkg:pypi/urllib9@2.1",
            [{"alg": "SHA-256", "content": wheels["urllib9"].sha256}],
        ),
    ]
    graph = {d["ref"]: d["dependsOn"] for d in sbom["dependencies"]}
    assert graph == {
        "package": ["pkg:pypi/needs-it@1.0"],
        "pkg:pypi/needs-it@1.0": ["pkg:pypi/urllib9@2.1"],
        "pkg:pypi/urllib9@2.1": [],
    }
    # Its hash is what the manifest records; the same source gives the same bytes.
    assert package.declaration.sbom_sha256 == package.sbom_sha256
    again = build_package(
        BuildSpec(source, "functions/api", architecture="arm64"), tmp_path / "again.zip"
    )
    assert again.sbom_path.read_bytes() == data


def test_a_package_without_dependencies_has_an_empty_inventory(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "handler.py").write_text("")
    sbom = json.loads(build_package(tmp_path / "src", tmp_path / "p.zip").sbom_path.read_text())
    jsonschema.Draft7Validator(SCHEMA).validate(sbom)
    assert sbom["components"] == [] and sbom["dependencies"] == [
        {"ref": "package", "dependsOn": []}
    ]


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("node", "@aws-sdk/client-s3", "pkg:npm/%40aws-sdk/client-s3@3.1.0"),
        ("node", "left-pad", "pkg:npm/left-pad@3.1.0"),
        ("python", "Zope.Interface", "pkg:pypi/zope-interface@3.1.0"),
    ],
)
def test_purls_follow_the_purl_spec(kind: str, name: str, expected: str) -> None:
    assert purl(kind, Dependency(name=name, version="3.1.0", hash="")) == expected

"""The smoke check: the handler imported from its built package (and layers) by an isolated
interpreter of exactly the runtime's version and architecture; a missing module stops the
build in one line; where no such interpreter exists, the result says so."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from verifier.package import BuildSpec, PackageError, Toolchain, build_package
from verifier.package.smoke import SmokeResult, smoke_check

#: This interpreter's version is one Lambda runs, and it is certainly on this machine.
PYTHON_RUNTIME = f"python3.{sys.version_info.minor}"
#: This interpreter's directory first: its python3.X is found (and run with -I -S).
PYTHON_TOOLS = Toolchain(search_path=str(Path(sys.executable).parent))
#: node_modules/.bin/node is the Node 22 `make install` puts there.
NODE_TOOLS = Toolchain(project_root=REPO_ROOT)


def package(tmp_path: Path, files: dict[str, str], runtime: str, layer: bool = False) -> Path:
    source = tmp_path / ("layer" if layer else "function")
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    spec = BuildSpec(source, source.name, runtimes=(runtime,), layer=layer)
    return build_package(spec, tmp_path / f"{source.name}.zip").path


def check(
    built: Path,
    handler: str,
    runtime: str,
    tools: Toolchain,
    layers: tuple[Path, ...] = (),
    **extra: str,
) -> SmokeResult:
    return smoke_check(
        label="fn",
        package=built,
        layers=layers,
        handler=handler,
        runtime_name=runtime,
        architecture=extra.get("architecture", "x86_64"),
        environment={"TABLE": "orders"},
        tools=tools,
    )


def failure(*args: object, **kwargs: str) -> str:
    with pytest.raises(PackageError) as raised:
        check(*args, **kwargs)  # type: ignore[arg-type]
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_a_python_handler_imports_with_its_layer_and_the_runtime_sdk(tmp_path: Path) -> None:
    handler = (
        "import os\n"
        "import boto3\n"
        "from botocore.exceptions import ClientError\n"
        "import shared_util\n"
        "TABLE = boto3.resource('dynamodb').Table(os.environ['TABLE'])\n"
        "class Retry(ClientError):\n    pass\n"
        "def handler(event, context):\n    return shared_util.X\n"
    )
    built = package(tmp_path, {"app/main.py": handler}, PYTHON_RUNTIME)
    layer = package(tmp_path, {"python/shared_util.py": "X = 1\n"}, PYTHON_RUNTIME, layer=True)
    assert check(built, "app/main.handler", PYTHON_RUNTIME, PYTHON_TOOLS, (layer,)).checked


def test_a_python_handler_missing_a_dependency_fails_in_one_line(tmp_path: Path) -> None:
    built = package(
        tmp_path, {"handler.py": "import tabulate\ndef handler(e, c): pass\n"}, PYTHON_RUNTIME
    )
    message = failure(built, "handler.handler", PYTHON_RUNTIME, PYTHON_TOOLS)
    assert f"'handler.handler' from the built package fails on {PYTHON_RUNTIME} x86_64" in message
    assert "No module named 'tabulate'" in message and "requirements.txt" in message
    # Isolated: this interpreter's own site-packages (which has pytest) is not on its path.
    built = package(
        tmp_path / "2", {"handler.py": "import pytest\ndef handler(e, c): pass\n"}, PYTHON_RUNTIME
    )
    assert "No module named 'pytest'" in failure(
        built, "handler.handler", PYTHON_RUNTIME, PYTHON_TOOLS
    )


def test_a_missing_handler_function_fails_and_other_import_errors_are_only_reported(
    tmp_path: Path,
) -> None:
    built = package(tmp_path, {"handler.py": "def other(e, c): pass\n"}, PYTHON_RUNTIME)
    assert "has no function 'handler'" in failure(
        built, "handler.handler", PYTHON_RUNTIME, PYTHON_TOOLS
    )
    built = package(
        tmp_path / "2", {"handler.py": "raise RuntimeError('needs its queue')\n"}, PYTHON_RUNTIME
    )
    result = check(built, "handler.handler", PYTHON_RUNTIME, PYTHON_TOOLS)
    assert result == SmokeResult(
        False, "the handler module raised RuntimeError: needs its queue at import"
    )


def test_without_a_matching_interpreter_the_check_says_it_did_not_run(tmp_path: Path) -> None:
    built = package(tmp_path, {"handler.py": "def handler(e, c): pass\n"}, PYTHON_RUNTIME)
    nothing = Toolchain(search_path=str(tmp_path / "empty"))
    version = PYTHON_RUNTIME.removeprefix("python")
    assert check(built, "handler.handler", PYTHON_RUNTIME, nothing) == SmokeResult(
        False, f"no python{version} for x86_64 on this machine"
    )
    # An x86_64 interpreter cannot check arm64 extension modules.
    arm = check(built, "handler.handler", PYTHON_RUNTIME, PYTHON_TOOLS, architecture="arm64")
    assert arm == SmokeResult(False, f"no python{version} for arm64 on this machine")
    assert check(built, "bootstrap", "provided.al2023", PYTHON_TOOLS).note.endswith(
        "not import-checked"
    )


def test_a_node_esm_handler_imports_named_sdk_clients(tmp_path: Path) -> None:
    handler = (
        'import { S3Client, GetObjectCommand as Get } from "@aws-sdk/client-s3";\n'
        "const client = new S3Client({});\n"
        "export const handler = async () => client.send(new Get({}));\n"
    )
    built = package(tmp_path, {"index.mjs": handler}, "nodejs22.x")
    assert check(built, "index.handler", "nodejs22.x", NODE_TOOLS).checked


def test_a_node_handler_finds_its_layer_through_node_path_as_in_lambda(tmp_path: Path) -> None:
    files = {
        "nodejs/node_modules/shared/index.js": "module.exports = 1;\n",
        "nodejs/node_modules/shared/package.json": '{"name": "shared"}',
    }
    layer = package(tmp_path, files, "nodejs22.x", layer=True)
    cjs = package(
        tmp_path, {"index.js": "exports.handler = async () => require('shared');\n"}, "nodejs22.x"
    )
    assert check(cjs, "index.handler", "nodejs22.x", NODE_TOOLS, (layer,)).checked
    # ES modules ignore NODE_PATH (Node's rule, and so Lambda's): a bare import of a layer
    # package fails there, and here.
    esm = package(
        tmp_path / "esm",
        {"index.mjs": 'import s from "shared";\nexport const handler = async () => s;\n'},
        "nodejs22.x",
    )
    assert "Cannot find package 'shared'" in failure(
        esm, "index.handler", "nodejs22.x", NODE_TOOLS, (layer,)
    )


def test_a_node_handler_missing_a_dependency_fails_in_one_line(tmp_path: Path) -> None:
    handler = (
        "const ddb = require('@aws-sdk/client-dynamodb');\n"
        "const pad = require('left-pad');\n"
        "exports.handler = async () => pad;\n"
    )
    built = package(tmp_path, {"app.js": handler}, "nodejs22.x")
    message = failure(built, "app.handler", "nodejs22.x", NODE_TOOLS)
    assert "fails on nodejs22.x x86_64: Cannot find module 'left-pad'" in message
    assert "the package" in failure(built, "missing.handler", "nodejs22.x", NODE_TOOLS)
    with zipfile.ZipFile(built) as archive:
        assert archive.namelist() == ["app.js"]

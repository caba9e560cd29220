"""The signed-world builder's two transports: one interface, and a builder that needs no moto."""

from __future__ import annotations

import subprocess
import sys

import pytest

from localaws import backend_clients, world
from tests.conftest import REPO_ROOT

#: Each protocol of the builder's interface, and the in-process class that implements it.
TRANSPORTS = [
    (world.S3Api, backend_clients.BackendS3),
    (world.IamApi, backend_clients.BackendIam),
    (world.SignerApi, backend_clients.BackendSigner),
    (world.LambdaApi, backend_clients.BackendLambda),
]


def _calls(protocol: type) -> set[str]:
    return {name for name in vars(protocol) if not name.startswith("_")}


@pytest.mark.parametrize(("protocol", "transport"), TRANSPORTS, ids=lambda t: t.__name__)
def test_the_in_process_transport_makes_every_call_of_the_interface(
    protocol: type, transport: type
) -> None:
    assert _calls(protocol)
    assert {name for name in _calls(protocol) if not callable(getattr(transport, name, None))} == (
        set()
    )


def test_the_builder_imports_neither_moto_nor_boto3() -> None:
    """The conformance kit and the benchmarks import it without the local AWS's extra; boto3
    is imported only when a boto3 transport is built."""
    probe = (
        "import sys, localaws.world\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'moto', 'boto3', 'botocore', "
        "'cryptography'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]"

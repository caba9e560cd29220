"""ListObjectVersions without deep copies gives moto's own answers (in-process, no server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto.s3.models import S3Backend, s3_backends

from localaws import patches, s3_listing

ACCOUNT, REGION = "123456789012", "us-east-1"


BUCKET = "listing"


@pytest.fixture(scope="module")
def backend() -> Iterator[Any]:
    """moto keeps bucket names in a process-wide registry: the bucket is deleted afterwards, so a
    worker that sets this module up twice (tests interleaved with other modules) can."""
    patches.install()
    s3 = S3Backend(REGION, ACCOUNT)
    s3.create_bucket(BUCKET, REGION)
    s3.put_bucket_versioning(BUCKET, "Enabled")
    for index in range(7):
        s3.put_object(BUCKET, f"signed/{index}.zip", b"x" * index)
    for key in ("signed/2.zip", "signed/5.zip", "unsigned/a.zip", "a/b/c", "a/d"):
        s3.put_object(BUCKET, key, b"newer")
    s3.delete_object(BUCKET, "signed/3.zip")  # a delete marker on top
    s3.put_object(BUCKET, "signed/3.zip", b"after the marker")
    s3.delete_object(BUCKET, "signed/6.zip")
    yield s3
    s3.buckets.pop(BUCKET)
    s3_backends.bucket_accounts.pop(BUCKET, None)


def _shape(result: tuple[Any, ...]) -> tuple[Any, ...]:
    versions, prefixes, markers, next_key, next_version = result
    row = lambda v: (v.name, v.version_id, v.is_latest, v.last_modified_ISO8601)  # noqa: E731
    sizes = [(v.name, v.version_id, v.size, v.etag, v.storage_class) for v in versions]
    return (
        [row(v) for v in versions],
        sizes,
        prefixes,
        [row(m) for m in markers],
        next_key,
        next_version,
    )


def _pages(backend: Any, function: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
    pages = []
    key_marker = version_marker = None
    while True:
        result = function(
            backend, BUCKET, key_marker=key_marker, version_id_marker=version_marker, **kwargs
        )
        pages.append(_shape(result))
        key_marker, version_marker = result[3], result[4]
        if key_marker is None or len(pages) > 50:
            return pages


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"prefix": "signed/"},
        {"prefix": "signed/", "max_keys": 2},
        {"prefix": "signed/3", "max_keys": 1},
        {"prefix": "nothing/"},
        {"delimiter": "/"},
        {"prefix": "a/", "delimiter": "/", "max_keys": 1},
        {"max_keys": 3},
    ],
    ids=repr,
)
def test_listing_pages_are_moto_s(backend: Any, kwargs: dict[str, Any]) -> None:
    ours = _pages(backend, s3_listing.list_object_versions, **kwargs)
    motos = _pages(backend, s3_listing.moto_list_object_versions, **kwargs)
    assert ours == motos


@pytest.mark.parametrize("key_marker", ["signed/2.zip", "signed/", "a/b/c", "zzz", ""])
@pytest.mark.parametrize("prefix", ["", "signed/", "a/"])
def test_a_key_marker_alone_skips_as_moto_does(backend: Any, key_marker: str, prefix: str) -> None:
    ours = s3_listing.list_object_versions(backend, BUCKET, key_marker=key_marker, prefix=prefix)
    motos = s3_listing.moto_list_object_versions(
        backend, BUCKET, key_marker=key_marker, prefix=prefix
    )
    assert _shape(ours) == _shape(motos)


def test_listing_leaves_the_stored_versions_alone(backend: Any) -> None:
    stored = backend.get_bucket(BUCKET).keys.getlist("signed/2.zip")
    before = [vars(v).get("is_latest") for v in stored]
    s3_listing.list_object_versions(backend, BUCKET, prefix="signed/")
    assert [vars(v).get("is_latest") for v in stored] == before

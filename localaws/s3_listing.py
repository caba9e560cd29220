"""ListObjectVersions without copying the bucket, and moto's module list read once.

moto 5.2.5's ``S3Backend.list_object_versions`` ``copy.deepcopy``-ed *every version of every key
in the bucket* on each call (whatever the prefix), to mark ``is_latest`` on the copies. A deep
copy of a ``FakeKey`` reads its bytes into a new spooled file, and moto's ``BaseModel`` tracks
every instance it ever built, so the copies were never freed: one listing of a bucket holding
2,000 packages cost about a second of CPU, under the server's one lock, and grew the server's
memory each time. :func:`list_object_versions` is moto's function with the same arguments,
results, ordering and paging (markers included), except that:

- each listed version is a :class:`ListedVersion`: the stored version, read through, with its
  own ``is_latest`` (the stored object is never written to), instead of a deep copy;
- with a ``prefix``, keys outside it are dropped before sorting, except when only a
  ``KeyMarker`` is given: moto then skips the first version at or after the marker whatever its
  key, and filtering first could change which version that is.

The response code reads only attributes (``name``, ``version_id``, ``is_latest``,
``last_modified_ISO8601``, ``etag``, ``size``, ``storage_class``), which a
:class:`ListedVersion` forwards. Like every moto call it runs under the server's one lock.

``moto.backends.list_of_moto_modules`` lists moto's package directory (``os.listdir`` and an
``isdir`` per entry) on *every* request, to route it; the directory does not change while the
server runs, so :func:`install` makes it return the list read once.
"""

from __future__ import annotations

from typing import Any

from moto.core.utils import unix_time_millis

_MODULES: tuple[str, ...] | None = None
#: moto's own function, kept by :func:`install` (the tests compare the two).
moto_list_object_versions: Any = None


class ListedVersion:
    """One stored version (a ``FakeKey`` or ``FakeDeleteMarker``) as one listing shows it."""

    __slots__ = ("is_latest", "stored")

    def __init__(self, stored: Any) -> None:
        self.stored = stored
        self.is_latest = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stored, name)


def list_object_versions(
    self: Any,
    bucket_name: str,
    delimiter: str | None = None,
    key_marker: str | None = None,
    max_keys: int | None = 1000,
    prefix: str = "",
    version_id_marker: str | None = None,
) -> tuple[list[Any], list[str], list[Any], str | None, str | None]:
    """moto's ``S3Backend.list_object_versions`` (5.2.5) without the deep copies."""
    from moto.s3.models import FakeKey

    bucket = self.get_bucket(bucket_name)
    common_prefixes: set[str] = set()
    requested_versions: list[Any] = []
    delete_markers: list[Any] = []
    next_key_marker: str | None = None
    next_version_id_marker: str | None = None
    prefilter = bool(prefix) and not (key_marker is not None and not version_id_marker)
    all_versions = [
        ListedVersion(version)
        for name, versions in bucket.keys.iterlists()
        if not prefilter or name.startswith(prefix)
        for version in versions
    ]
    # sort by name, revert last-modified-date
    all_versions.sort(key=lambda r: (r.name, -unix_time_millis(r.last_modified)))
    last_name = None

    skip_versions = True
    last_item_added: ListedVersion | None = None
    for version in all_versions:
        name = version.name
        # guaranteed to be sorted - so the first key with this name will be the latest
        version.is_latest = name != last_name
        if version.is_latest:
            last_name = name

        # Pagination
        if skip_versions:
            if key_marker is None:
                skip_versions = False
            elif not version_id_marker:
                skip_versions = version.name < key_marker
                continue
            elif version.name == key_marker and version.version_id == version_id_marker:
                skip_versions = False
                continue
            else:
                continue

        if not name.startswith(prefix):
            continue
        is_common_prefix = False
        if delimiter and delimiter in name[len(prefix) :]:
            end_of_delimiter = len(prefix) + name[len(prefix) :].index(delimiter) + len(delimiter)
            prefix_including_delimiter = name[0:end_of_delimiter]
            if prefix_including_delimiter == key_marker:
                continue
            common_prefixes.add(prefix_including_delimiter)
            name = prefix_including_delimiter
            is_common_prefix = True
        elif last_item_added:
            name = last_item_added.name

        if (
            max_keys is not None
            and len(requested_versions) + len(delete_markers) + len(common_prefixes) >= max_keys
        ):
            next_key_marker = name
            if is_common_prefix:
                next_version_id_marker = None
            elif last_item_added is not None:
                next_version_id_marker = last_item_added.version_id
            else:
                next_version_id_marker = None
            break

        if not is_common_prefix:
            last_item_added = version
            if not isinstance(version.stored, FakeKey):
                delete_markers.append(version)
            else:
                requested_versions.append(version)

    return (
        requested_versions,
        sorted(common_prefixes),
        delete_markers,
        next_key_marker,
        next_version_id_marker,
    )


def install() -> None:
    from moto import backends
    from moto.s3.models import S3Backend

    global _MODULES, moto_list_object_versions
    if moto_list_object_versions is None:
        moto_list_object_versions = S3Backend.list_object_versions
    if _MODULES is None:
        _MODULES = tuple(backends.list_of_moto_modules())
    modules = _MODULES

    def list_of_moto_modules() -> tuple[str, ...]:
        return modules

    backends.list_of_moto_modules = list_of_moto_modules  # type: ignore[assignment]
    S3Backend.list_object_versions = list_object_versions  # type: ignore[method-assign]

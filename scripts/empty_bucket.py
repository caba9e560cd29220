"""``make empty-bucket``: delete every object version and delete marker in the stack's bucket.

The artifact bucket is not ``force_destroy`` (its versions are the verifier's evidence), so
``cdktf destroy`` fails on it while it holds objects. Run this first when you really mean to
delete the stack: ``python scripts/empty_bucket.py --outputs cdktf-outputs.json``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3

from verifier.contract.targets import load_outputs
from verifier.errors import VerifierError


def empty_bucket(s3: object, bucket: str) -> int:
    """Delete every version and delete marker, a page (at most 1,000 keys) at a time."""
    deleted = 0
    paginator = s3.get_paginator("list_object_versions")  # type: ignore[attr-defined]
    for page in paginator.paginate(Bucket=bucket):
        entries = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if entries:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": entries, "Quiet": True})  # type: ignore[attr-defined]
            deleted += len(entries)
    return deleted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=Path, default=Path("cdktf-outputs.json"))
    parser.add_argument("--stack", default=None)
    args = parser.parse_args(argv)
    try:
        manifest = load_outputs(args.outputs, stack=args.stack, region_flag=None).manifest
    except VerifierError as error:
        print(f"error: {error.diagnostics()}", file=sys.stderr)
        return 2
    s3 = boto3.client("s3", region_name=manifest.region)
    count = empty_bucket(s3, manifest.bucket)
    print(
        f"empty-bucket: deleted {count} object version(s) from {manifest.bucket}", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What a signed function and a signed layer share: package -> upload -> sign.

The resources are created in the caller's scope (not a child construct), so a function's
Terraform addresses stay what they were before layers shared this code.
"""

from __future__ import annotations

from dataclasses import dataclass

from stacks.artifact_bucket import ArtifactBucket
from stacks.cdk import (
    AssetType,
    Construct,
    S3Object,
    SignerSigningJob,
    SignerSigningJobDestination,
    SignerSigningJobDestinationS3,
    SignerSigningJobSource,
    SignerSigningJobSourceS3,
    TerraformAsset,
)
from stacks.code_signing import CodeSigning
from stacks.config import StackConfig
from stacks.packages import build_cached
from verifier.contract.manifest import PackageBuild
from verifier.package import BuildSpec, BuiltPackage


@dataclass(frozen=True)
class SignedPackage:
    """A deterministic package of ``source_dir``, uploaded unsigned and signed by one job."""

    #: Relative to the repo root, POSIX: what ``verify --source`` rebuilds.
    source_dir: str
    #: SHA-256 (hex) of the deterministic zip.
    package_sha256: str
    unsigned_object: S3Object
    signing_job: SignerSigningJob
    #: The job's signed object (Terraform tokens): what Lambda deploys.
    signed_bucket: str
    signed_key: str
    #: The built zip and SBOM on disk, and what the manifest records about the build.
    built: BuiltPackage

    @property
    def build(self) -> PackageBuild:
        return self.built.declaration


def sign_package(
    scope: Construct,
    *,
    config: StackConfig,
    bucket: ArtifactBucket,
    signing: CodeSigning,
    spec: BuildSpec,
    path: str,
    config_field: str,
) -> SignedPackage:
    """Build ``spec``, upload it to ``unsigned_prefix + path``, sign that object version into
    ``signed_prefix + path``. ``config_field`` names the source in a packaging error."""
    # 1. Package deterministically, so unchanged source never triggers a re-sign.
    package = build_cached(spec, path, config_field)
    asset = TerraformAsset(scope, "package", path=str(package.path), type=AssetType.FILE)

    # 2. Upload the unsigned package under a content-addressed key; S3 gives it a version id.
    unsigned_object = S3Object(
        scope,
        "unsigned-package",
        bucket=bucket.name,
        key=f"{config.unsigned_prefix}{path}/{package.sha256_hex}.zip",
        source=asset.path,
        source_hash=package.sha256_hex,
        content_type="application/zip",
        depends_on=[bucket.versioning, bucket.encryption],
    )

    # 3. Sign exactly that object *version*; a failed job fails the apply.
    signing_job = SignerSigningJob(
        scope,
        "signing-job",
        profile_name=signing.profile.name,
        source=SignerSigningJobSource(
            s3=SignerSigningJobSourceS3(
                bucket=bucket.name,
                key=unsigned_object.key,
                version=unsigned_object.version_id,
            )
        ),
        destination=SignerSigningJobDestination(
            s3=SignerSigningJobDestinationS3(
                bucket=bucket.name,
                prefix=f"{config.signed_prefix}{path}/",
            )
        ),
        ignore_signing_job_failure=False,
    )
    signed = signing_job.signed_object.get(0).s3.get(0)
    return SignedPackage(
        source_dir=spec.label,
        package_sha256=package.sha256_hex,
        unsigned_object=unsigned_object,
        signing_job=signing_job,
        signed_bucket=signed.bucket,
        signed_key=signed.key,
        built=package,
    )

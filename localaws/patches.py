"""The moto behaviours this package patches, in one place. See the package docstring."""

from __future__ import annotations

from moto.awslambda import models as moto_lambda
from moto.core.base_backend import BackendDict
from moto.signer import models as moto_signer

from localaws import iam, s3_listing, s3_policy
from localaws.awslambda.models import ExtendedLambdaBackend
from localaws.signer.models import ExtendedSignerBackend


def _use_backend_class(backends: BackendDict, backend_class: type) -> None:
    backends.backend = backend_class
    # Account dicts created before the patch would keep building moto's class.
    for account_backends in backends.values():
        account_backends.backend = backend_class


def install() -> None:
    """Make moto build the extended Signer and Lambda backends (idempotent).

    moto's server builds one Flask app per service from ``backend.flask_paths``, and a backend
    finds its URL map from its class's module (``x.models`` -> ``x.urls``). Swapping the class
    that moto's ``signer_backends`` and ``lambda_backends`` instantiate is therefore enough to
    route every Signer and Lambda path, old and new, to the extended handlers. Call it before
    the server handles its first request.
    """
    _use_backend_class(moto_signer.signer_backends, ExtendedSignerBackend)
    _use_backend_class(moto_lambda.lambda_backends, ExtendedLambdaBackend)
    iam.install()
    s3_policy.install()
    s3_listing.install()

"""The moto behaviours this package patches, in one place. See the package docstring."""

from __future__ import annotations

from moto.awslambda import models as moto_lambda
from moto.cloudformation import models as moto_cloudformation
from moto.cloudformation import parsing as moto_cloudformation_parsing
from moto.core.base_backend import BackendDict
from moto.organizations import models as moto_organizations
from moto.securityhub import models as moto_securityhub
from moto.signer import models as moto_signer
from moto.sts import models as moto_sts

from localaws import iam, s3_listing, s3_policy
from localaws.awslambda.models import (
    CodeSigningConfig,
    ExtendedLambdaBackend,
    ExtendedLambdaFunction,
)
from localaws.cloudformation.models import ExtendedCloudFormationBackend
from localaws.organizations.models import ExtendedOrganizationsBackend
from localaws.securityhub.models import ExtendedSecurityHubBackend
from localaws.signer.models import ExtendedSignerBackend
from localaws.sts.models import ExtendedSTSBackend


def _use_backend_class(backends: BackendDict, backend_class: type) -> None:
    backends.backend = backend_class
    # Account dicts created before the patch would keep building moto's class.
    for account_backends in backends.values():
        account_backends.backend = backend_class


def install() -> None:
    """Make moto build the extended Signer, Lambda, CloudFormation, STS, Organizations and
    Security Hub backends (idempotent).

    moto's server builds one Flask app per service from ``backend.flask_paths``, and a backend
    finds its URL map from its class's module (``x.models`` -> ``x.urls``). Swapping the class
    that moto's backend dicts instantiate is therefore enough to route every path of those
    services, old and new, to the extended handlers. Call it before the server handles its
    first request.
    """
    _use_backend_class(moto_signer.signer_backends, ExtendedSignerBackend)
    _use_backend_class(moto_lambda.lambda_backends, ExtendedLambdaBackend)
    _use_backend_class(moto_cloudformation.cloudformation_backends, ExtendedCloudFormationBackend)
    _use_backend_class(moto_sts.sts_backends, ExtendedSTSBackend)
    _use_backend_class(moto_organizations.organizations_backends, ExtendedOrganizationsBackend)
    _use_backend_class(moto_securityhub.securityhub_backends, ExtendedSecurityHubBackend)
    # moto's template parser maps a resource type to the class whose classmethods create,
    # update and delete it (a cached dict built from CloudFormationModel's direct subclasses).
    model_map = moto_cloudformation_parsing.get_model_map()
    model_map[ExtendedLambdaFunction.cloudformation_type()] = ExtendedLambdaFunction
    model_map[CodeSigningConfig.cloudformation_type()] = CodeSigningConfig
    iam.install()
    s3_policy.install()
    s3_listing.install()

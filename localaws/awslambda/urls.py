"""Lambda URL map: moto's paths, all routed to the extended response, plus the CSC paths.

moto finds a backend's URL module from the backend class's module name
(``<package>.models`` -> ``<package>.urls``), so ExtendedLambdaBackend is served from here.
"""

from moto.awslambda.urls import url_bases as moto_url_bases
from moto.awslambda.urls import url_paths as moto_url_paths

from .responses import ExtendedLambdaResponse

url_bases = list(moto_url_bases)

url_paths = {path: ExtendedLambdaResponse.dispatch for path in moto_url_paths}
url_paths.update(
    {
        r"{0}/(?P<api_version>[^/]+)/code-signing-configs/?$": ExtendedLambdaResponse.dispatch,
        r"{0}/(?P<api_version>[^/]+)/code-signing-configs/(?P<csc_arn>[^/]+)/?$": (
            ExtendedLambdaResponse.dispatch
        ),
        r"{0}/(?P<api_version>[^/]+)/code-signing-configs/(?P<csc_arn>[^/]+)/functions/?$": (
            ExtendedLambdaResponse.dispatch
        ),
    }
)

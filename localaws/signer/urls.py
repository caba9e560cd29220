"""Signer URL map: moto's paths, all routed to the extended response, plus the job paths.

moto finds a backend's URL module from the backend class's module name
(``<package>.models`` -> ``<package>.urls``), so ExtendedSignerBackend is served from here.
"""

from moto.signer.urls import url_bases as moto_url_bases
from moto.signer.urls import url_paths as moto_url_paths

from .responses import ExtendedSignerResponse

url_bases = list(moto_url_bases)

url_paths = {path: ExtendedSignerResponse.dispatch for path in moto_url_paths}
url_paths.update(
    {
        "{0}/signing-profiles$": ExtendedSignerResponse.dispatch,
        "{0}/signing-profiles/(?P<profile_name>[^/]+)/revoke$": ExtendedSignerResponse.dispatch,
        "{0}/signing-profiles/(?P<profile_name>[^/]+)/permissions$": (
            ExtendedSignerResponse.dispatch
        ),
        "{0}/signing-profiles/(?P<profile_name>[^/]+)/permissions/(?P<statement_id>[^/]+)$": (
            ExtendedSignerResponse.dispatch
        ),
        "{0}/signing-platforms/(?P<platform_id>[^/]+)$": ExtendedSignerResponse.dispatch,
        "{0}/signing-jobs$": ExtendedSignerResponse.dispatch,
        "{0}/signing-jobs/(?P<job_id>[^/]+)$": ExtendedSignerResponse.dispatch,
        "{0}/signing-jobs/(?P<job_id>[^/]+)/revoke$": ExtendedSignerResponse.dispatch,
        # GetRevocationStatus: botocore's signer-data service (and signer's own operation, sent
        # to a data- host prefix) reach the same path; both sign as "signer".
        "{0}/revocations$": ExtendedSignerResponse.dispatch,
    }
)

"""Security Hub URL map: moto's paths, all routed to the extended response, plus
BatchUpdateFindings.

moto finds a backend's URL module from the backend class's module name
(``<package>.models`` -> ``<package>.urls``), so ExtendedSecurityHubBackend is served from here.
"""

from moto.securityhub.urls import url_bases as moto_url_bases
from moto.securityhub.urls import url_paths as moto_url_paths

from .responses import ExtendedSecurityHubResponse

url_bases = list(moto_url_bases)

url_paths = {path: ExtendedSecurityHubResponse.dispatch for path in moto_url_paths}
url_paths["{0}/findings/batchupdate$"] = ExtendedSecurityHubResponse.dispatch

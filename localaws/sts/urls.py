"""STS URL map: moto's path, routed to the extended response.

moto finds a backend's URL module from the backend class's module name
(``<package>.models`` -> ``<package>.urls``), so ExtendedSTSBackend is served from here.
"""

from moto.sts.urls import url_bases as moto_url_bases
from moto.sts.urls import url_paths as moto_url_paths

from .responses import ExtendedTokenResponse

url_bases = list(moto_url_bases)

url_paths = {path: ExtendedTokenResponse.dispatch for path in moto_url_paths}

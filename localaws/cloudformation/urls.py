"""CloudFormation URL map: moto's paths, routed to the extended response.

moto finds a backend's URL module from the backend class's module name
(``<package>.models`` -> ``<package>.urls``), so ExtendedCloudFormationBackend is served from here.
"""

from moto.cloudformation.urls import url_bases as moto_url_bases
from moto.cloudformation.urls import url_paths as moto_url_paths

from .responses import ExtendedCloudFormationResponse

url_bases = list(moto_url_bases)

url_paths = {
    path: (
        ExtendedCloudFormationResponse.dispatch
        if handler.__name__ == "dispatch"
        else getattr(ExtendedCloudFormationResponse, handler.__name__)
    )
    for path, handler in moto_url_paths.items()
}

"""Organizations URL map: moto's, served for ExtendedOrganizationsBackend.

moto finds a backend's URL module from the backend class's module name
(``<package>.models`` -> ``<package>.urls``); moto's response already calls the backend's
``list_accounts``, so its handlers are used unchanged.
"""

from moto.organizations.urls import url_bases as moto_url_bases
from moto.organizations.urls import url_paths as moto_url_paths

url_bases = list(moto_url_bases)
url_paths = dict(moto_url_paths)

"""Catalog work for a library's staff in the Django admin, mounted at /admin/ on library hosts.

Every role looks; those who may catalogue (staff.roles) write. Every write goes through the
catalog's services, the same as the API's and an import's, so derived columns (sort title,
version, search vector and ranks) and the change feed are written in one place.
"""

from catalog.admin import headings, items, records
from catalog.admin.site import catalog_admin

# Importing the pages' modules registers them with the site.
__all__ = ["catalog_admin", "headings", "items", "records"]

"""App configuration for the catalog."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from catalog.services import barcode_holders_register
        from catalog.services.items import items_holding

        # Patrons' cards are refused the barcodes of copies (catalog.services.barcodes); copies
        # are written by many at once (import chunks, the staff), who need not wait for each other.
        barcode_holders_register("item", items_holding, many_writers=True)

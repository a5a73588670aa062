"""App configuration for circulation."""

from django.apps import AppConfig


class CirculationConfig(AppConfig):
    name = "circulation"
    verbose_name = "Circulation"

    def ready(self) -> None:
        from catalog.models import Item, Record
        from catalog.services import (
            barcode_holders_register,
            item_lent_register,
            kept_check_register,
        )
        from circulation.selectors import (
            item_lent,
            items_lent_reason,
            patrons_holding,
            records_held_reason,
        )

        # The catalog deletes copies and records (a record, an item, an import reverted)
        # without knowing of loans and holds: it asks here first, so that no deletion takes a
        # patron's copy, their hold or the lending history with it.
        kept_check_register(Item, "item_has_loans", items_lent_reason)
        kept_check_register(Record, "record_has_holds", records_held_reason)
        # The desk tells a copy from a patron's card by its barcode alone: copies are refused
        # the barcodes of patrons' cards.
        barcode_holders_register("patron", patrons_holding)
        # A copy's status changes by hand (the API, the admin) without knowing of loans: one
        # out with a patron keeps its status until the desk takes it back.
        item_lent_register(item_lent)

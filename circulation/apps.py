"""App configuration for circulation."""

from django.apps import AppConfig


class CirculationConfig(AppConfig):
    name = "circulation"
    verbose_name = "Circulation"

    def ready(self) -> None:
        from catalog.services import items_kept_check_register
        from circulation.selectors import items_lent_reason

        # The catalog deletes copies (a record, an item, an import reverted) without knowing
        # of loans: it asks here first, so that no deletion takes a patron's copy or the
        # lending history with it.
        items_kept_check_register("item_has_loans", items_lent_reason)

"""Reads from the catalog: each returns a QuerySet or plain values for views, API and exports."""

from catalog.models import Item, Record


def catalog_statistics() -> dict[str, int]:
    """Counts of the current library's catalog."""
    return {
        "records": Record.objects.count(),
        "items": Item.objects.count(),
        "items_available": Item.objects.filter(status=Item.Status.AVAILABLE).count(),
    }

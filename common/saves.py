"""What a save changes. A value sent as it is saved changes nothing: a save that changes
nothing keeps the version, so the next editor's save, made from that version, is no conflict."""

from collections.abc import Mapping


def values_changed(saved: object, values: Mapping[str, object]) -> dict[str, object]:
    """Those of `values` that differ from `saved`'s attributes of the same names."""
    return {name: value for name, value in values.items() if getattr(saved, name) != value}

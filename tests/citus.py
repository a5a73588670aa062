"""Tests left out of `make test-citus`, each with the Citus limit that keeps it out."""

# node id (as pytest prints it) -> why it cannot pass against a Citus coordinator
EXCLUDED: dict[str, str] = {}

"""Shared plumbing for every layer: the project's errors, SQL helpers and task base classes."""

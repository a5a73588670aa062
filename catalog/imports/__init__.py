"""Catalog imports and exports: files in, files out, run on workers."""

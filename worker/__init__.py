"""Celery tasks: thin wrappers that run one service inside the right library's schema."""

"""The per-library REST API: routers, viewsets, serializers, permissions, authentication."""

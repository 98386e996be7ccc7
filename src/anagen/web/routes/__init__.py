"""Routers: ``api`` (JSON under /api/v1), ``pages`` (HTML), ``registry`` (when installed)."""

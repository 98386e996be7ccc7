"""The web app: the assessment, the evidence explorer and the trial designer in a browser.

``anagen serve`` runs :func:`create_app` under uvicorn. Pages are rendered on the server
(Jinja2); the JSON API lives under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``). The layer
is thin: every number shown comes from the library's answer objects.
"""

from __future__ import annotations

from anagen.web._app import create_app
from anagen.web._settings import Settings

__all__ = ["Settings", "create_app"]

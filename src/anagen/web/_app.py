"""``create_app(settings)``: the FastAPI application, its middleware and error handlers.

Nothing runs at import: each app builds its own job manager and secret, so tests can start as
many as they like. Error handling: bad input answers 422 with the field named
(``{"detail": [{"loc", "msg", "type"}], "message": "one line"}``); unknown routes 404; any other
failure a plain 500 message — never a traceback.
"""

from __future__ import annotations

import logging
import secrets
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from anagen.errors import InputError
from anagen.web._jobs import JobManager
from anagen.web._security import SecurityMiddleware
from anagen.web._settings import Settings

__all__ = ["create_app", "field_error"]

log = logging.getLogger("anagen.web")
_HERE = Path(str(resources.files("anagen.web")))


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def field_error(field: str, msg: str, kind: str = "value_error") -> dict[str, Any]:
    """The 422 body for one bad field."""
    return {"detail": [{"loc": [field], "msg": msg, "type": kind}], "message": msg}


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def _error_page(request: Request, status: int, message: str) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        details = []
        for e in exc.errors():
            loc = [x if isinstance(x, int) else str(x) for x in e.get("loc", ())]
            field = ".".join(
                str(x) for x in loc if x not in ("body", "query", "path", "form", "[key]")
            )
            msg = str(e.get("msg", "invalid"))
            got = e.get("input")
            text = f"'{field or 'body'}': {msg}"
            if (
                isinstance(got, int | float | str)
                and not isinstance(got, bool)
                and e.get("type") != "missing"
            ):
                text += f", got {got[:60]!r}" if isinstance(got, str) else f", got {got}"
            details.append({"loc": loc, "msg": text, "type": str(e.get("type", "value_error"))})
        if not details:
            details = [{"loc": ["body"], "msg": "invalid request", "type": "value_error"}]
        if _wants_html(request):
            return _error_page(request, 422, details[0]["msg"])
        return JSONResponse({"detail": details, "message": details[0]["msg"]}, status_code=422)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> Response:
        if _wants_html(request):
            return _error_page(request, 422, str(exc))
        return JSONResponse(field_error(exc.field or "body", str(exc)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 400:  # the body could not be parsed (not JSON, not UTF-8, ...)
            msg = f"'body': the request body cannot be read: {detail}"
            if _wants_html(request):
                return _error_page(request, 422, msg)
            return JSONResponse(field_error("body", msg), status_code=422)
        if _wants_html(request):
            return _error_page(request, exc.status_code, detail)
        return JSONResponse(
            {"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        # log the class only: the request may carry personal data
        log.error("unhandled %s on %s %s", exc.__class__.__name__, request.method, request.url.path)
        return JSONResponse({"detail": "internal error"}, status_code=500)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build one app instance (its own job pool, secret and registry connection)."""
    settings = settings or Settings()
    jobs = JobManager(settings.workers, settings.max_jobs)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # build the evidence summary (seconds) before the first visitor asks for it
        import threading

        from anagen.web import _evidence

        threading.Thread(target=_evidence.warm, daemon=True, name="anagen-warm").start()
        try:
            yield
        finally:
            jobs.shutdown()

    app = FastAPI(
        title="anagen",
        version=_version(),
        summary="Is stem-cell therapy for hair loss effective? Evidence, virtual trials and "
        "decision support (not a diagnosis).",
        docs_url=None,  # the bundled Swagger UI loads from a CDN: not used
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.jobs = jobs
    app.state.secret = secrets.token_bytes(32)
    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    templates.env.globals["app_version"] = _version()
    from anagen.web._stage_pictures import stage_picture

    templates.env.globals["stage_picture"] = stage_picture
    from anagen._io import p_text

    templates.env.globals["p_text"] = p_text
    from anagen.decision._power_text import power_se_text, power_text

    templates.env.globals["power_text"] = power_text
    templates.env.globals["power_se_text"] = power_se_text
    app.state.templates = templates
    app.add_middleware(SecurityMiddleware, max_body=settings.max_upload_bytes + 64 * 1024)
    _install_handlers(app)

    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(_HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(
            _plotly_js(),
            media_type="text/javascript",
            headers={"cache-control": "public, max-age=86400"},
        )

    from anagen.web.routes import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    _maybe_registry(app, settings)
    return app


def _maybe_registry(app: FastAPI, settings: Settings) -> None:
    """Mount the registry pages when the registry package is installed."""
    try:
        from anagen.web.routes import registry
    except ImportError:
        app.state.registry = None
        return
    registry.install(app, settings)


def _version() -> str:
    from anagen import __version__

    return __version__

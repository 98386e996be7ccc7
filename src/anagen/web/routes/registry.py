"""The registry pages: login, patients, visits, treatments, adverse events, and the clinic's
observed-vs-predicted view — a thin face over :mod:`anagen.registry.service`.

Sessions: the registry's own expiring token in an HttpOnly, SameSite=Strict cookie (Secure off
loopback). Every form carries the CSRF token. Logins are rate limited (5 failures per 5 minutes
per client address and per clinic/user). Every read and write goes through the service layer
with the logged-in actor, which scopes it to the actor's clinic; a record of another clinic
answers 404, exactly like a record that does not exist. The same as JSON:
:mod:`anagen.web.routes.registry_api`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from anagen.errors import InputError
from anagen.web._ratelimit import RateLimiter
from anagen.web._settings import Settings
from anagen.web.routes.pages import _form, _render

__all__ = ["install", "router"]

SESSION_COOKIE = "anagen_session"
router = APIRouter(include_in_schema=False)
Ref = Annotated[
    str, Path(max_length=64, description="the patient's id or pseudonym", examples=["1"])
]


class _LoginRequired(Exception):
    pass


class _Holder:
    """The registry database, opened on first use (a fresh install may not have one yet)."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self._reg: Any = None

    def get(self) -> Any:
        if self._reg is None:
            from sqlalchemy.exc import SQLAlchemyError

            from anagen.registry import current_revision, open_registry

            reg = open_registry(self.url)
            reg.check_connect()
            try:
                revision = current_revision(reg)
            except SQLAlchemyError:  # the app role may not read alembic's table (PostgreSQL)
                revision = "unknown"
            if revision is None:
                reg.dispose()
                raise InputError(
                    "the registry database has no schema yet: run 'anagen registry init'",
                    field="--db",
                )
            self._reg = reg
        return self._reg


def install(app: FastAPI, settings: Settings) -> None:
    """Mount the registry routes on ``app``."""
    app.state.registry = _Holder(settings.db_url)
    app.state.login_limiter = RateLimiter(attempts=5, window_s=300)
    from anagen.web.routes.registry_api import api

    app.include_router(router)
    app.include_router(api)

    @app.exception_handler(_LoginRequired)
    async def _login(request: Request, exc: _LoginRequired) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "not logged in"}, status_code=401)
        return RedirectResponse("/registry/login", status_code=303)


def _reg(request: Request) -> Any:
    try:
        return request.app.state.registry.get()
    except InputError as exc:
        raise HTTPException(503, f"the registry database is not available: {exc}") from None


def _actor(request: Request) -> Any:
    from anagen.registry import AuthError, actor_from_token

    token = request.cookies.get(SESSION_COOKIE)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    if not token:
        raise _LoginRequired
    try:
        return actor_from_token(_reg(request), token)
    except AuthError:
        raise _LoginRequired from None


def _service_errors(exc: Exception) -> None:
    """Registry errors as HTTP: another clinic's record is 'not found', never 'forbidden'."""
    from anagen.registry import AccessDenied, Conflict, NotFound

    if isinstance(exc, NotFound | AccessDenied):
        raise HTTPException(404, "no such record in your clinic") from None
    if isinstance(exc, Conflict):
        raise HTTPException(409, str(exc)) from None
    raise exc


def _data(form: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in keys:
        v = str(form.get(k, "")).strip()
        if v:
            out[k] = v
    return out


def _bools(form: Any, keys: tuple[str, ...], out: dict[str, Any]) -> dict[str, Any]:
    for k in keys:
        out[k] = form.get(k) == "on"
    return out


# -- login -----------------------------------------------------------------------------------


@router.get("/registry/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return _render(request, "registry_login.html", {"title": "Registry login"})


@router.post("/registry/login", response_class=HTMLResponse)
async def login_submit(request: Request) -> Response:
    from anagen.registry import AuthError, login

    form = await _form(request)
    clinic = str(form.get("clinic", ""))[:40]
    user = str(form.get("username", ""))[:60]
    password = str(form.get("password", ""))[:200]
    limiter: RateLimiter = request.app.state.login_limiter
    keys = (f"ip:{request.client.host if request.client else '?'}", f"user:{clinic}/{user}")
    wait = limiter.retry_after(*keys)
    ctx = {"title": "Registry login", "clinic": clinic, "username": user}
    if wait > 0:
        resp = _render(
            request,
            "registry_login.html",
            {**ctx, "error": f"too many failed logins: try again in {wait:.0f} s"},
            429,
        )
        resp.headers["retry-after"] = str(int(wait) + 1)
        return resp
    try:
        actor = login(_reg(request), clinic, user, password)
    except (AuthError, InputError) as exc:
        limiter.failed(*keys)
        return _render(request, "registry_login.html", {**ctx, "error": str(exc)}, 401)
    limiter.reset(keys[1])
    resp = RedirectResponse("/registry", status_code=303)
    expires = dt.datetime.fromisoformat(actor.expires_at)
    max_age = max(60, int((expires - dt.datetime.now(dt.UTC)).total_seconds()))
    resp.set_cookie(
        SESSION_COOKIE,
        actor.token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
        max_age=max_age,
        path="/",
    )
    return resp


@router.post("/registry/logout")
async def logout_submit(request: Request) -> Response:
    from anagen.registry import logout

    await _form(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            logout(_reg(request), token)
        except Exception:  # an expired or unknown token is logged out already
            pass
    resp = RedirectResponse("/registry/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


# -- dashboard and patients ------------------------------------------------------------------


def _observed_vs_predicted(details: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the clinic view: each treatment's frozen predictions next to the visits."""
    rows = []
    for d in details:
        follow = [v for v in d["visits"] if v.get("kind") == "follow-up"]
        base = next((v for v in d["visits"] if v.get("kind") == "baseline"), None)
        for t in d["treatments"]:
            rows.append(
                {
                    "patient": d["pseudonym"],
                    "option": t["option"],
                    "start": t["start_date"],
                    "predictions": t["predictions"],
                    # months past the trials' follow-up: no number, the reason instead
                    "unknown_predictions": t.get("unknown_predictions", []),
                    "baseline": base,
                    "follow_ups": follow,
                }
            )
    return rows


@router.get("/registry", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    from anagen.registry import service as svc

    actor = _actor(request)
    reg = _reg(request)
    with reg.session(actor) as s:
        counts = svc.counts(s, actor)
        details = [svc.patient_detail(s, actor, p.id) for p in svc.list_patients(s, actor)]
    return _render(
        request,
        "registry_home.html",
        {
            "title": "Registry",
            "actor": actor,
            "counts": counts,
            "rows": _observed_vs_predicted(details),
        },
    )


_PATIENT_KEYS = (
    "pseudonym",
    "birth_year",
    "sex",
    "stage",
    "stage_scale",
    "onset_year",
    "consent_version",
    "consent_date",
)


def _patients_ctx(request: Request, actor: Any, **extra: Any) -> dict[str, Any]:
    from anagen.registry import service as svc
    from anagen.registry.models import SCALES

    with _reg(request).session(actor) as s:
        pats = [
            {
                "id": p.id,
                "pseudonym": p.pseudonym,
                "birth_year": p.birth_year,
                "sex": p.sex,
                "stage": p.stage,
                "onset_year": p.onset_year,
            }
            for p in svc.list_patients(s, actor)
        ]
    return {
        "title": "Patients",
        "actor": actor,
        "patients": pats,
        "scales": SCALES,
        "values": {},
        **extra,
    }


@router.get("/registry/patients", response_class=HTMLResponse)
def patients(request: Request) -> Response:
    actor = _actor(request)
    return _render(request, "registry_patients.html", _patients_ctx(request, actor))


@router.post("/registry/patients", response_class=HTMLResponse)
async def patient_add(request: Request) -> Response:
    from anagen.registry import service as svc

    actor = _actor(request)
    form = await _form(request)
    data = _bools(form, ("consent_evidence_sharing",), _data(form, _PATIENT_KEYS))
    try:
        p = svc.parse(svc.PatientIn, data)
        with _reg(request).session(actor) as s:
            row = svc.add_patient(s, actor, p)
            pid = row.id
    except InputError as exc:
        return _render(
            request,
            "registry_patients.html",
            _patients_ctx(request, actor, error=str(exc), values=data),
            422,
        )
    except Exception as exc:
        _service_errors(exc)
    return RedirectResponse(f"/registry/patients/{pid}", status_code=303)


def _detail(request: Request, actor: Any, ref: str) -> dict[str, Any]:
    from anagen.registry import service as svc

    key: int | str = int(ref) if ref.isdigit() else ref
    try:
        with _reg(request).session(actor) as s:
            return svc.patient_detail(s, actor, key)
    except Exception as exc:
        _service_errors(exc)
        raise


def _patient_page(
    request: Request, actor: Any, ref: str, status: int = 200, **extra: Any
) -> Response:
    from anagen.decision._trial_file import ALTERNATIVES
    from anagen.registry.models import CAUSALITY, INSTRUMENTS, OUTCOMES, SEVERITY
    from anagen.therapy import protocol_paths

    d = _detail(request, actor, ref)
    return _render(
        request,
        "registry_patient.html",
        {
            "title": f"Patient {d['pseudonym']}",
            "actor": actor,
            "p": d,
            "ref": ref,
            "severity": SEVERITY,
            "causality": CAUSALITY,
            "outcomes": OUTCOMES,
            "instruments": list(INSTRUMENTS),
            "options": [
                *protocol_paths(),
                *(a for a in ALTERNATIVES if a not in ("placebo", "none", "topical")),
            ],
            "values": {},
            **extra,
        },
        status,
    )


@router.get("/registry/patients/{ref}", response_class=HTMLResponse)
def patient(request: Request, ref: Ref) -> Response:
    return _patient_page(request, _actor(request), ref)


_VISIT_KEYS = (
    "visit_date",
    "kind",
    "target_area",
    "total_density_per_cm2",
    "terminal_density_per_cm2",
    "vellus_density_per_cm2",
    "shaft_diameter_um",
    "anagen_percent",
    "global_photo_score",
    "satisfaction_score",
    "satisfaction_instrument",
)
_TREATMENT_KEYS = ("option", "start_date", "sessions_planned", "cells_per_session", "product_lot")
_AE_KEYS = (
    "description",
    "severity",
    "causality",
    "outcome",
    "onset_date",
    "resolution_date",
    "treatment_id",
)


async def _add(request: Request, ref: str, what: str) -> Response:
    from anagen.registry import service as svc

    actor = _actor(request)
    form = await _form(request)
    d = _detail(request, actor, ref)  # 404 for another clinic's patient, before anything else
    if what == "visit":
        data, model, fn = _data(form, _VISIT_KEYS), svc.VisitIn, svc.add_visit
    elif what == "treatment":
        data, model, fn = _data(form, _TREATMENT_KEYS), svc.TreatmentIn, svc.add_treatment
        data.update(
            n_draws=request.app.state.settings.registry_draws,
            n_follicles=request.app.state.settings.assess_follicles,
        )
    else:
        data = _bools(form, ("serious",), _data(form, _AE_KEYS))
        model, fn = svc.AdverseEventIn, svc.add_adverse_event
    data["patient"] = d["pseudonym"]
    try:
        obj = svc.parse(model, data)
        with _reg(request).session(actor) as s:
            fn(s, actor, obj)
    except InputError as exc:
        return _patient_page(request, actor, ref, 422, error=str(exc), error_form=what, values=data)
    except Exception as exc:
        _service_errors(exc)
    return RedirectResponse(f"/registry/patients/{ref}", status_code=303)


@router.post("/registry/patients/{ref}/visits", response_class=HTMLResponse)
async def visit_add(request: Request, ref: Ref) -> Response:
    return await _add(request, ref, "visit")


@router.post("/registry/patients/{ref}/treatments", response_class=HTMLResponse)
async def treatment_add(request: Request, ref: Ref) -> Response:
    return await _add(request, ref, "treatment")


@router.post("/registry/patients/{ref}/adverse-events", response_class=HTMLResponse)
async def ae_add(request: Request, ref: Ref) -> Response:
    return await _add(request, ref, "adverse_event")


# -- imports ----------------------------------------------------------------------------------


def _imports_ctx(actor: Any, **extra: Any) -> dict[str, Any]:
    from anagen.registry._io import IMPORT_KINDS

    return {"title": "Import", "actor": actor, "kinds": IMPORT_KINDS, "result": None, **extra}


@router.get("/registry/imports", response_class=HTMLResponse)
def imports(request: Request) -> Response:
    return _render(request, "registry_imports.html", _imports_ctx(_actor(request)))


@router.post("/registry/imports", response_class=HTMLResponse)
async def import_submit(request: Request) -> Response:
    """A CSV of patients or visits, checked row by row and inserted all-or-nothing by
    :func:`anagen.registry._io.import_csv` (the upload goes to a private temporary file named
    after its kind, so messages say ``visits.csv row 3`` and never a server path)."""
    import tempfile
    from pathlib import Path as FsPath

    from anagen.registry._io import IMPORT_KINDS, import_csv

    actor = _actor(request)
    form = await _form(request)
    kind = str(form.get("kind", ""))
    upload = form.get("file")
    limit = request.app.state.settings.max_upload_bytes
    try:
        if kind not in IMPORT_KINDS:
            raise InputError(
                field="kind", allowed="one of " + ", ".join(IMPORT_KINDS), got=kind[:40]
            )
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise InputError(field="file", allowed="a CSV file")
        content = await upload.read(limit + 1)
        if len(content) > limit:
            raise InputError(
                field="file", allowed=f"at most {limit} bytes", got=f"{len(content)}+ bytes"
            )
        with tempfile.TemporaryDirectory(prefix="anagen-import-") as tmp:
            path = FsPath(tmp) / f"{kind}.csv"
            path.write_bytes(content)
            with _reg(request).session(actor) as s:
                result = import_csv(s, actor, kind, path)
    except InputError as exc:
        return _render(request, "registry_imports.html", _imports_ctx(actor, error=str(exc)), 422)
    except Exception as exc:
        _service_errors(exc)
    return _render(request, "registry_imports.html", _imports_ctx(actor, result=result))

"""The registry as JSON under ``/api/v1/registry``: everything the registry pages do.

Log in (``POST /sessions`` → an expiring token, rate limited like the login page) or use a
token from ``anagen registry login``, sent as ``Authorization: Bearer …``; the pages' session
cookie works too. A write authenticated by the cookie must also carry the page's CSRF token in
an ``X-CSRF-Token`` header (the cookie is SameSite=Strict; the header is a second, independent
check); a bearer token needs none, as a browser never sends it by itself.

Request bodies are the registry's own input models (:mod:`anagen.registry.service`) minus what
the URL or the server decides (the patient comes from the path; the prediction's sizes from the
server's settings). Every write goes through the service layer with the caller's actor, which
scopes it to the caller's clinic: another clinic's patient answers 404, exactly like one that
does not exist, and nothing is written. A bad value is 422 naming the field.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from anagen.errors import InputError
from anagen.registry import service as svc
from anagen.registry._io import IMPORT_KINDS
from anagen.web._ratelimit import RateLimiter
from anagen.web._security import CSRF_COOKIE, csrf_valid
from anagen.web.routes.registry import (
    SESSION_COOKIE,
    Ref,
    _detail,
    _observed_vs_predicted,
    _reg,
    _service_errors,
)
from anagen.web.schemas import MessageOut

__all__ = ["api"]

api = APIRouter(
    prefix="/api/v1/registry",
    tags=["registry"],
    responses={
        401: {"model": MessageOut, "description": "not logged in (bearer token or cookie)"},
        404: {"model": MessageOut, "description": "no such record in your clinic"},
        503: {"model": MessageOut, "description": "the registry database is not available"},
    },
)
_WRITE = {
    403: {
        "model": MessageOut,
        "description": "a read-only role, or a cookie login without a valid X-CSRF-Token",
    },
    409: {"model": MessageOut, "description": "conflicts with a record already there"},
}
CSRF_HEADER = "x-csrf-token"


def _body_model(
    name: str, model: type[BaseModel], drop: tuple[str, ...], example: dict[str, Any]
) -> type[BaseModel]:
    """``model``'s fields without ``drop``, as a request body (unknown keys refused)."""
    fields: dict[str, Any] = {
        k: (f.annotation, f) for k, f in model.model_fields.items() if k not in drop
    }
    config = ConfigDict(extra="forbid", json_schema_extra={"examples": [example]})
    return create_model(name, __config__=config, **fields)


# the examples are a made-up record (pseudonym, dates, a density) showing the shape
PatientCreate = _body_model(
    "PatientCreate",
    svc.PatientIn,
    (),
    {
        "pseudonym": "EX-001",
        "birth_year": 1980,
        "sex": "M",
        "stage": "III",
        "onset_year": 2016,
        "consent_version": "v1",
        "consent_date": "2024-01-05",
    },
)
VisitCreate = _body_model(
    "VisitCreate",
    svc.VisitIn,
    ("patient",),
    {
        "visit_date": "2024-01-10",
        "kind": "baseline",
        "target_area": "vertex",
        "terminal_density_per_cm2": 121.0,
    },
)
# the prediction's sizes are the server's (--draws); a protocol is a shipped name or inline TOML
TreatmentCreate = _body_model(
    "TreatmentCreate",
    svc.TreatmentIn,
    ("patient", "n_draws", "n_follicles"),
    {"option": "minoxidil_5", "start_date": "2024-01-20"},
)
AdverseEventCreate = _body_model(
    "AdverseEventCreate",
    svc.AdverseEventIn,
    ("patient",),
    {
        "description": "scalp erythema",
        "severity": "mild",
        "causality": "possible",
        "outcome": "recovered",
        "onset_date": "2024-01-21",
    },
)


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clinic: str = Field(max_length=40)
    username: str = Field(max_length=60)
    password: str = Field(max_length=200)


class SessionOut(BaseModel):
    token: str = Field(description="send as 'Authorization: Bearer <token>'")
    expires_at: str
    clinic: str
    username: str
    role: str


class CreatedOut(BaseModel):
    id: int
    patient: str = Field(description="the patient's pseudonym")
    url: str = Field(description="the patient's record in this API")


def _actor(request: Request, *, write: bool) -> Any:
    """The caller: bearer token first, else the session cookie (then writes need CSRF)."""
    from anagen.registry import AuthError, actor_from_token

    auth = request.headers.get("authorization", "")
    bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    token = bearer or request.cookies.get(SESSION_COOKIE, "")
    if not token:
        raise HTTPException(401, "not logged in")
    try:
        actor = actor_from_token(_reg(request), token)
    except AuthError:
        raise HTTPException(401, "not logged in") from None
    if write and not bearer:
        if not csrf_valid(
            request.app.state.secret,
            request.cookies.get(CSRF_COOKIE),
            request.headers.get(CSRF_HEADER, ""),
        ):
            raise HTTPException(
                403, "a write with the session cookie needs the page's X-CSRF-Token header"
            )
    return actor


def _authed(request: Request) -> Any:
    """A logged-in caller about to change something (CSRF checked for cookie logins)."""
    return _actor(request, write=True)


def _writer(actor: Annotated[Any, Depends(_authed)]) -> Any:
    """A caller whose role may write (an analyst's login is read-only: 403)."""
    if not actor.can_write:
        raise HTTPException(403, f"role '{actor.role}' is read-only: it cannot change records")
    return actor


Authed = Annotated[Any, Depends(_authed)]
Writer = Annotated[Any, Depends(_writer)]


def _plain(x: Any) -> Any:
    return json.loads(json.dumps(x, default=str))


def _created(new_id: int, pseudonym: str, patient_id: int) -> JSONResponse:
    out = CreatedOut(id=new_id, patient=pseudonym, url=f"/api/v1/registry/patients/{patient_id}")
    return JSONResponse(out.model_dump(), status_code=201)


# -- sessions -----------------------------------------------------------------------------


@api.post(
    "/sessions",
    summary="Log in: an expiring token for the Authorization header",
    response_model=SessionOut,
    status_code=201,
    responses={
        401: {"model": MessageOut, "description": "wrong clinic, user or password"},
        429: {"model": MessageOut, "description": "too many failed logins; see Retry-After"},
    },
)
def api_login(request: Request, body: LoginRequest) -> Any:
    from anagen.registry import AuthError, login

    limiter: RateLimiter = request.app.state.login_limiter
    keys = (
        f"ip:{request.client.host if request.client else '?'}",
        f"user:{body.clinic}/{body.username}",
    )
    wait = limiter.retry_after(*keys)
    if wait > 0:
        raise HTTPException(
            429,
            f"too many failed logins: try again in {wait:.0f} s",
            headers={"retry-after": str(int(wait) + 1)},
        )
    try:
        actor = login(_reg(request), body.clinic, body.username, body.password)
    except (AuthError, InputError) as exc:
        limiter.failed(*keys)
        raise HTTPException(401, str(exc)) from None
    limiter.reset(keys[1])
    return JSONResponse(
        SessionOut(
            token=actor.token,
            expires_at=str(actor.expires_at),
            clinic=body.clinic,
            username=actor.username,
            role=str(actor.role),
        ).model_dump(),
        status_code=201,
        headers={"cache-control": "no-store"},
    )


@api.delete(
    "/sessions/current", summary="Log out: revoke the token in use", status_code=204,
    responses=_WRITE,
)  # fmt: skip
def api_logout(request: Request, actor: Authed) -> Response:
    from anagen.registry import logout

    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    logout(_reg(request), token or request.cookies.get(SESSION_COOKIE, ""))
    return Response(status_code=204)


# -- reads ---------------------------------------------------------------------------------


@api.get("/patients", summary="The clinic's patients (pseudonyms only)")
def api_patients(request: Request) -> dict[str, Any]:
    actor = _actor(request, write=False)
    with _reg(request).session(actor) as s:
        return {
            "patients": [
                {
                    "id": p.id,
                    "pseudonym": p.pseudonym,
                    "sex": p.sex,
                    "stage": p.stage,
                    "birth_year": p.birth_year,
                    "onset_year": p.onset_year,
                }
                for p in svc.list_patients(s, actor)
            ]
        }


@api.get("/patients/{ref}", summary="One patient: visits, treatments, predictions, AEs")
def api_patient(request: Request, ref: Ref) -> dict[str, Any]:
    return _plain(_detail(request, _actor(request, write=False), ref))


@api.get(
    "/dashboard",
    summary="The clinic's counts and each treatment's frozen prediction next to its visits",
)
def api_dashboard(request: Request) -> dict[str, Any]:
    actor = _actor(request, write=False)
    with _reg(request).session(actor) as s:
        counts = svc.counts(s, actor)
        details = [svc.patient_detail(s, actor, p.id) for p in svc.list_patients(s, actor)]
    return _plain({"counts": counts, "observed_vs_predicted": _observed_vs_predicted(details)})


# -- writes --------------------------------------------------------------------------------
# The caller and the patient are dependencies, resolved before the body is read: without a
# login the answer is 401 and for another clinic's patient 404, whatever the body holds.


def _target(request: Request, ref: Ref, actor: Annotated[Any, Depends(_writer)]) -> dict[str, Any]:
    """The patient named in the path, in the caller's clinic (else 404)."""
    return {"actor": actor, **_detail(request, actor, ref)}


Target = Annotated[dict[str, Any], Depends(_target)]


def _write(
    request: Request, actor: Any, model: type[BaseModel], data: dict[str, Any], fn: Any
) -> int:
    """Validate ``data`` with the registry's model and write it as the caller's actor."""
    obj = svc.parse(model, data)  # InputError naming the field -> 422
    try:
        with _reg(request).session(actor) as s:
            return int(fn(s, actor, obj).id)
    except InputError:
        raise
    except Exception as exc:
        _service_errors(exc)
        raise


def _add(
    request: Request, p: dict[str, Any], body: BaseModel, model: Any, fn: Any, **extra: Any
) -> JSONResponse:
    data = {**body.model_dump(exclude_unset=True), **extra, "patient": p["pseudonym"]}
    return _created(_write(request, p["actor"], model, data, fn), p["pseudonym"], p["id"])


@api.post(
    "/patients", summary="Add a patient (pseudonym only)", status_code=201,
    response_model=CreatedOut, responses=_WRITE,
)  # fmt: skip
def api_add_patient(request: Request, actor: Writer, body: PatientCreate) -> Any:  # type: ignore[valid-type]
    data = body.model_dump(exclude_unset=True)
    pid = _write(request, actor, svc.PatientIn, data, svc.add_patient)
    return _created(pid, data["pseudonym"], pid)


@api.post(
    "/patients/{ref}/visits", summary="Add a visit (a measurement) to a patient",
    status_code=201, response_model=CreatedOut, responses=_WRITE,
)  # fmt: skip
def api_add_visit(request: Request, ref: Ref, p: Target, body: VisitCreate) -> Any:  # type: ignore[valid-type]
    return _add(request, p, body, svc.VisitIn, svc.add_visit)


@api.post(
    "/patients/{ref}/treatments",
    summary="Start a treatment; the model's prediction for it is frozen with it",
    status_code=201, response_model=CreatedOut, responses=_WRITE,
)  # fmt: skip
def api_add_treatment(request: Request, ref: Ref, p: Target, body: TreatmentCreate) -> Any:  # type: ignore[valid-type]
    settings = request.app.state.settings
    return _add(
        request, p, body, svc.TreatmentIn, svc.add_treatment,
        n_draws=settings.registry_draws, n_follicles=settings.assess_follicles,
    )  # fmt: skip


@api.post(
    "/patients/{ref}/adverse-events", summary="Report an adverse event",
    status_code=201, response_model=CreatedOut, responses=_WRITE,
)  # fmt: skip
def api_add_adverse_event(request: Request, ref: Ref, p: Target, body: AdverseEventCreate) -> Any:  # type: ignore[valid-type]
    return _add(request, p, body, svc.AdverseEventIn, svc.add_adverse_event)


@api.post(
    "/imports",
    summary="Import a CSV of patients or visits: every row checked, all rows or none",
    status_code=201,
    responses={**_WRITE, 413: {"model": MessageOut, "description": "the file is too large"}},
)
async def api_import(
    request: Request,
    actor: Writer,
    kind: Annotated[str, Form(description="one of " + ", ".join(IMPORT_KINDS))],
    file: Annotated[UploadFile, File(description="a UTF-8 CSV (registry columns)")],
) -> Any:
    import tempfile
    from pathlib import Path as FsPath

    from anagen.registry._io import import_csv

    if kind not in IMPORT_KINDS:
        raise InputError(field="kind", allowed="one of " + ", ".join(IMPORT_KINDS), got=kind[:40])
    limit = request.app.state.settings.max_upload_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise InputError(
            field="file", allowed=f"at most {limit} bytes", got=f"{len(content)}+ bytes"
        )
    try:
        with tempfile.TemporaryDirectory(prefix="anagen-import-") as tmp:
            path = FsPath(tmp) / f"{kind}.csv"  # messages say 'visits.csv row 3', never a path
            path.write_bytes(content)
            with _reg(request).session(actor) as s:
                result = import_csv(s, actor, kind, path)
    except InputError:
        raise
    except Exception as exc:
        _service_errors(exc)
        raise
    return JSONResponse(_plain(result), status_code=201)

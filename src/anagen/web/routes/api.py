"""The JSON API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import Response

from anagen.errors import InputError
from anagen.web import _evidence
from anagen.web.routes._deps import JobsDep, SettingsDep, assessment_payload, power_payload
from anagen.web.schemas import (
    AssessmentRequest,
    CalibrationRequest,
    JobOut,
    MessageOut,
    PowerRequest,
    ValidationErrorOut,
)

__all__ = ["router"]

_422 = {422: {"model": ValidationErrorOut, "description": "a field is missing or out of range"}}
_413 = {413: {"model": MessageOut, "description": "request body too large"}}
_404 = {404: {"model": MessageOut, "description": "no such job (or forgotten)"}}

router = APIRouter(prefix="/api/v1", responses={**_422, **_413})


def _finite(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


_FILES = ("report_html", "report_pdf")  # served by the result page's links, not in JSON


def job_out(request: Request, job) -> dict[str, Any]:
    page = {"assessment": "/assess/result/", "power": "/trials/result/"}.get(
        job.kind, "/calibration/result/"
    )
    public = job.public()
    if public["result"] is not None:
        public["result"] = {k: v for k, v in public["result"].items() if k not in _FILES}
    return {
        **public,
        "status_url": str(request.url_for("get_job", job_id=job.id).path),
        "page_url": page + job.id,
    }


@router.get("/options", summary="What the forms accept: stages, zones, protocols, treatments")
def options() -> dict[str, Any]:
    from anagen.decision._trial_file import ALTERNATIVES
    from anagen.scalp import ZONE_NAMES
    from anagen.therapy import protocol_paths
    from anagen.therapy.patient import MEN_STAGES, WOMEN_STAGES, Health
    from anagen.web._stage_pictures import picture_alt, stage_picture_url
    from anagen.web._stages import STAGE_DESCRIPTIONS, STAGE_SOURCES

    stages = {"M": list(MEN_STAGES), "F": list(WOMEN_STAGES)}
    return {
        "stages": stages,
        "stage_descriptions": STAGE_DESCRIPTIONS,
        "stage_pictures": {
            sex: {s: {"url": stage_picture_url(sex, s), "alt": picture_alt(sex, s)} for s in ss}
            for sex, ss in stages.items()
        },
        "stage_sources": STAGE_SOURCES,
        "zones": list(ZONE_NAMES),
        "health": list(Health.model_fields),
        "protocols": list(protocol_paths()),
        "alternatives": list(ALTERNATIVES),
        "evidence_filters": _evidence.filter_options(),
    }


@router.get("/evidence/studies", summary="The curated stem-cell studies, filtered")
def evidence_studies(
    product: Annotated[str | None, Query(max_length=60)] = None,
    design: Annotated[str | None, Query(max_length=60)] = None,
    outcome: Annotated[str | None, Query(max_length=60)] = None,
    year_min: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    year_max: Annotated[int | None, Query(ge=1900, le=2100)] = None,
) -> dict[str, Any]:
    rows = _evidence.studies(
        product=product, design=design, outcome=outcome, year_min=year_min, year_max=year_max
    )
    return {"count": len(rows), "studies": _finite(rows)}


@router.get(
    "/evidence/studies.csv",
    summary="The curated stem-cell studies as CSV (same filters)",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "CSV, one row per study row",
        }
    },
)
def evidence_studies_csv(
    product: Annotated[str | None, Query(max_length=60)] = None,
    design: Annotated[str | None, Query(max_length=60)] = None,
    outcome: Annotated[str | None, Query(max_length=60)] = None,
    year_min: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    year_max: Annotated[int | None, Query(ge=1900, le=2100)] = None,
) -> Response:
    rows = _evidence.studies(
        product=product, design=design, outcome=outcome, year_min=year_min, year_max=year_max
    )
    return Response(
        _evidence.studies_csv(rows),
        media_type="text/csv",
        headers={"content-disposition": 'attachment; filename="anagen-studies.csv"'},
    )


@router.get("/evidence/summary", summary="The pooled evidence with GRADE ratings")
def evidence_summary() -> dict[str, Any]:
    return _finite(_evidence.evidence_summary().to_dict())


@router.post("/evidence/pool", summary="Pool your own CSV (yi,vi or arm data), as metafor rma")
async def evidence_pool(
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="CSV: yi,vi or m1i,sd1i,n1i,m2i,sd2i,n2i")],
    method: Annotated[str, Form()] = "REML",
    knha: Annotated[bool, Form()] = False,
    level: Annotated[float, Form(gt=0, lt=1)] = 0.95,
    measure: Annotated[str, Form()] = "MD",
) -> dict[str, Any]:
    content = await read_upload(file, settings.max_upload_bytes)
    out = _evidence.pool_upload(content, method=method, knha=knha, level=level, measure=measure)
    return _finite(
        {
            "k": out["k"],
            "layout": out["layout"],
            "measure": out["measure"],
            "labels": out["labels"],
            "pool": out["result"].to_dict(),
            "forest": out["forest"],
            "funnel": out["funnel"],
        }
    )


async def read_upload(file: UploadFile, limit: int) -> bytes:
    """The upload's bytes, at most ``limit`` (413 beyond)."""
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise HTTPException(413, f"file too large: at most {limit} bytes are accepted")
    return content


@router.post(
    "/assessments",
    status_code=202,
    response_model=JobOut,
    summary="Assess one person (background job)",
)
def create_assessment(
    req: AssessmentRequest, request: Request, jobs: JobsDep, settings: SettingsDep
) -> dict[str, Any]:
    job = jobs.submit("assessment", assessment_payload(req, settings))
    return job_out(request, job)


@router.post(
    "/trials/power",
    status_code=202,
    response_model=JobOut,
    summary="Power curve or sample size of a virtual trial (background job)",
)
def create_power(
    req: PowerRequest, request: Request, jobs: JobsDep, settings: SettingsDep
) -> dict[str, Any]:
    job = jobs.submit("power", power_payload(req, settings))
    return job_out(request, job)


@router.post(
    "/calibrations",
    status_code=202,
    response_model=JobOut,
    summary="Refit the model to the curated trials + leave-one-study-out (background job)",
)
def create_calibration(
    req: CalibrationRequest, request: Request, jobs: JobsDep, settings: SettingsDep
) -> dict[str, Any]:
    if req.n_draws > settings.calibration_max_draws:
        raise InputError(
            field="n_draws",
            allowed=f"<= {settings.calibration_max_draws} on this server",
            got=req.n_draws,
        )
    job = jobs.submit("calibration", req.model_dump())
    return job_out(request, job)


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    responses=_404,
    summary="A job's status, progress and (when done) result",
)
def get_job(
    job_id: Annotated[str, Path(max_length=64)], request: Request, jobs: JobsDep
) -> dict[str, Any]:
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "no such job")
    return job_out(request, job)

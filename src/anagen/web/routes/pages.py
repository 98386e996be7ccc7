"""The HTML pages: home, assessment, evidence explorer, trial designer, sources, API index.

Forms post to the same app with a CSRF token; a job's page is its random id, so a result can be
shared by link without any personal data in the URL. Every number shown comes from the
library's answers (see :mod:`anagen.web._assessment_view` and :mod:`anagen.web._evidence`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from anagen.errors import InputError
from anagen.web import _evidence
from anagen.web._assessment_view import assessment_view, sources_for
from anagen.web._security import CSRF_COOKIE, csrf_token, csrf_valid, new_csrf_cookie
from anagen.web.routes._deps import JobsDep, SettingsDep, assessment_payload, power_payload
from anagen.web.schemas import AssessmentRequest, CalibrationRequest, PowerRequest

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
JobId = Annotated[str, Path(max_length=64)]


def _render(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> Response:
    """Render a page; hand out the CSRF cookie and token with every page."""
    cookie = request.cookies.get(CSRF_COOKIE)
    fresh = not cookie
    if fresh:
        cookie = new_csrf_cookie()
    ctx = {
        "csrf": csrf_token(request.app.state.secret, cookie),
        "registry": request.app.state.registry is not None,
        **ctx,
    }
    resp = request.app.state.templates.TemplateResponse(request, name, ctx, status_code=status)
    if fresh:
        resp.set_cookie(
            CSRF_COOKIE,
            cookie,
            httponly=True,
            samesite="strict",
            secure=request.app.state.settings.secure_cookies,
            path="/",
        )
    return resp


async def _form(request: Request) -> Any:
    form = await request.form()
    if not csrf_valid(
        request.app.state.secret, request.cookies.get(CSRF_COOKIE), str(form.get("csrf", ""))
    ):
        raise HTTPException(
            403, "the form expired or came from another site: reload the page and submit again"
        )
    return form


def _json(x: Any) -> str:
    """JSON for a <script type="application/json"> data block (no '</' can close it)."""
    return json.dumps(x, allow_nan=False).replace("</", "<\\/")


def _first_error(exc: ValidationError) -> str:
    e = exc.errors(include_url=False)[0]
    field = ".".join(str(x) for x in e["loc"] if x != "[key]")
    return f"'{field}': {e['msg']}"


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return _render(request, "index.html", {"title": "anagen"})


# -- evidence --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _evidence_figures_json() -> str:
    summary = _evidence.evidence_summary()
    return _json([_evidence.analysis_figures(a) for a in summary.analyses])


def _year(value: str | None, field: str) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        y = int(value)
    except ValueError:
        raise InputError(field=field, allowed="a year such as 2019", got=value) from None
    if not 1900 <= y <= 2100:
        raise InputError(field=field, allowed="in [1900, 2100]", got=y)
    return y


@router.get("/evidence", response_class=HTMLResponse)
def evidence(
    request: Request,
    product: Annotated[str | None, Query(max_length=60)] = None,
    design: Annotated[str | None, Query(max_length=60)] = None,
    outcome: Annotated[str | None, Query(max_length=60)] = None,
    year_min: Annotated[str | None, Query(max_length=10)] = None,
    year_max: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    # the filter form sends empty fields as "": they mean "any"
    year_min, year_max = _year(year_min, "year_min"), _year(year_max, "year_max")
    filters = {
        "product": product or "",
        "design": design or "",
        "outcome": outcome or "",
        "year_min": year_min,
        "year_max": year_max,
    }
    rows = _evidence.studies(
        product=product, design=design, outcome=outcome, year_min=year_min, year_max=year_max
    )
    summary = _evidence.evidence_summary()
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v not in (None, ""))
    return _render(
        request,
        "evidence.html",
        {
            "title": "Evidence explorer",
            "rows": rows,
            "filters": filters,
            "options": _evidence.filter_options(),
            "summary": summary,
            "figures_json": _evidence_figures_json(),
            "csv_url": "/api/v1/evidence/studies.csv" + (f"?{query}" if query else ""),
        },
    )


@router.get("/evidence/pool", response_class=HTMLResponse)
def pool_form(request: Request) -> Response:
    return _render(request, "pool.html", {"title": "Pool your own studies", "result": None})


@router.post("/evidence/pool", response_class=HTMLResponse)
async def pool_submit(request: Request, settings: SettingsDep) -> Response:
    form = await _form(request)
    upload = form.get("file")
    ctx: dict[str, Any] = {
        "title": "Pool your own studies",
        "result": None,
        "values": {k: str(form.get(k, "")) for k in ("method", "measure", "level", "knha")},
    }
    try:
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise InputError(field="file", allowed="a CSV file")
        content = await upload.read(settings.max_upload_bytes + 1)
        if len(content) > settings.max_upload_bytes:
            raise InputError(
                field="file",
                allowed=f"at most {settings.max_upload_bytes} bytes",
                got=f"{len(content)}+ bytes",
            )
        try:
            level = float(str(form.get("level", "0.95")))
        except ValueError:
            raise InputError(
                field="level", allowed="a number in (0, 1)", got=str(form.get("level"))[:40]
            ) from None
        measure = str(form.get("measure", "MD"))
        if measure not in ("MD", "SMD", "ROM"):
            raise InputError(field="measure", allowed="one of MD, SMD, ROM", got=measure[:40])
        out = _evidence.pool_upload(
            content,
            method=str(form.get("method", "REML"))[:10],
            knha=form.get("knha") == "on",
            level=level,
            measure=measure,
        )
    except InputError as exc:
        ctx["error"] = str(exc)
        return _render(request, "pool.html", ctx, status=422)
    ctx["result"] = out
    ctx["figures_json"] = _json([{"forest": out["forest"], "funnel": out["funnel"]}])
    return _render(request, "pool.html", ctx)


# -- assessment ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _protocol_names() -> tuple[tuple[str, str], ...]:
    from anagen.therapy import load_protocol, protocol_paths

    return tuple((k, load_protocol(p).name) for k, p in protocol_paths().items())


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _stage_groups() -> dict[str, list[tuple[str, list[dict[str, str]]]]]:
    """The stages per sex, grouped by scale, each with its description and picture."""
    from anagen.therapy.patient import MEN_STAGES, WOMEN_STAGES
    from anagen.web._stage_pictures import picture_alt, stage_picture_url
    from anagen.web._stages import STAGE_DESCRIPTIONS

    def card(sex: str, s: str) -> dict[str, str]:
        return {
            "stage": s,
            "name": s.replace("Sinclair-", ""),
            "description": _capital(STAGE_DESCRIPTIONS[sex][s].split(": ", 1)[-1]),
            "picture": stage_picture_url(sex, s),
            "alt": picture_alt(sex, s),
            "id": f"st-{sex}-{s}",
        }

    women = [card("F", s) for s in WOMEN_STAGES]
    return {
        "M": [("Norwood-Hamilton", [card("M", s) for s in MEN_STAGES])],
        "F": [
            ("Ludwig", [c for c in women if c["stage"] in ("I", "II", "III")]),
            ("Savin", [c for c in women if c["stage"] not in ("I", "II", "III")
                       and not c["stage"].startswith("Sinclair")]),
            ("Sinclair", [c for c in women if c["stage"].startswith("Sinclair")]),
        ],
    }  # fmt: skip


@router.get("/stage-pictures/{sex}/{stage}.svg")
def stage_picture(
    sex: Annotated[str, Path(max_length=2)], stage: Annotated[str, Path(max_length=16)]
) -> Response:
    """The drawing of one stage (made by :mod:`anagen.web._stage_pictures`)."""
    from anagen.web._stage_pictures import stage_svg

    try:
        svg = stage_svg(sex, stage)
    except KeyError:
        raise HTTPException(404, "no such stage") from None
    return Response(
        svg, media_type="image/svg+xml", headers={"cache-control": "public, max-age=86400"}
    )


def _assess_ctx(values: dict[str, Any] | None = None) -> dict[str, Any]:
    from anagen.scalp import ZONE_NAMES
    from anagen.therapy.patient import Health
    from anagen.web._stages import STAGE_SOURCES

    protos = _protocol_names()
    health = [
        (k, k.replace("_", " ")) for k, f in Health.model_fields.items() if f.annotation is bool
    ]
    # yes / no / not stated (None: read as "may become pregnant" for women)
    tristate = [
        (k, k.replace("_", " "))
        for k, f in Health.model_fields.items()
        if f.annotation == bool | None
    ]
    months = [
        (k, k.replace("_", " "))
        for k, f in Health.model_fields.items()
        if f.annotation not in (bool, bool | None)
    ]
    return {
        "title": "Assessment",
        "stage_groups": _stage_groups(),
        "stage_sources": STAGE_SOURCES,
        "tristate": tristate,
        "zones": ZONE_NAMES,
        "health": health,
        "months": months,
        "protocols": protos,
        "values": values
        or {
            "age": 45,
            "sex": "M",
            "stage": "III",
            "years_since_onset": 6,
            "smoking": "never",
            "seed": 0,
        },
    }


def _assessment_request(form: Any) -> AssessmentRequest:
    from anagen.scalp import ZONE_NAMES
    from anagen.therapy.patient import Health

    def num(key: str) -> Any:
        v = str(form.get(key, "")).strip()
        return v if v else None

    health: dict[str, Any] = {}
    for k, f in Health.model_fields.items():
        if f.annotation is bool:
            health[k] = form.get(f"health_{k}") == "on"
        elif f.annotation == bool | None:
            v = str(form.get(f"health_{k}", ""))
            if v:  # "" is "not stated"; anything else is checked by the schema
                health[k] = {"yes": True, "no": False}.get(v, v)
        elif num(f"health_{k}") is not None:
            health[k] = num(f"health_{k}")
    data: dict[str, Any] = {
        "age": num("age"),
        "sex": str(form.get("sex", "")),
        "stage": str(form.get("stage", "")),
        "years_since_onset": num("years_since_onset"),
        "bmi": num("bmi"),
        "smoking": str(form.get("smoking", "never")),
        "health": health,
        "measured_density_per_cm2": {
            z: num(f"density_{z}") for z in ZONE_NAMES if num(f"density_{z}") is not None
        },
        "no_living_follicles": [z for z in ZONE_NAMES if form.get(f"dead_{z}") == "on"],
        "protocols": [str(p) for p in form.getlist("protocols")] or None,
        "seed": num("seed") or 0,
    }
    return AssessmentRequest.model_validate(data)


@router.get("/assess", response_class=HTMLResponse)
def assess_form(request: Request) -> Response:
    return _render(request, "assess.html", _assess_ctx())


@router.post("/assess", response_class=HTMLResponse)
async def assess_submit(request: Request, jobs: JobsDep, settings: SettingsDep) -> Response:
    form = await _form(request)
    values = {k: str(v) for k, v in form.multi_items() if k != "csrf"}
    values["protocols_list"] = [str(p) for p in form.getlist("protocols")]
    try:
        payload = assessment_payload(_assessment_request(form), settings)
    except ValidationError as exc:
        return _render(
            request, "assess.html", {**_assess_ctx(values), "error": _first_error(exc)}, 422
        )
    except InputError as exc:
        return _render(request, "assess.html", {**_assess_ctx(values), "error": str(exc)}, 422)
    job = jobs.submit("assessment", payload)
    return RedirectResponse(f"/assess/result/{job.id}", status_code=303)


def _job_or_404(jobs: Any, job_id: str, kind: str) -> Any:
    job = jobs.get(job_id)
    if job is None or job.kind != kind:
        raise HTTPException(404, "no such result (results are kept while the server runs)")
    return job


@router.get("/assess/result/{job_id}", response_class=HTMLResponse)
def assess_result(request: Request, job_id: JobId, jobs: JobsDep) -> Response:
    job = _job_or_404(jobs, job_id, "assessment")
    if job.status != "done":
        return _render(
            request,
            "progress.html",
            {"title": "Assessment running", "job": job, "what": "assessment"},
        )
    view = assessment_view(job.result["assessment"])
    return _render(
        request,
        "result.html",
        {
            "title": "Your options",
            "a": view,
            "job": job,
            "fan_json": _json([{"fan": f} for f in (view["fan"], *view["fan_other"])]),
        },
    )


@router.get("/assess/result/{job_id}/print", response_class=HTMLResponse)
def assess_print(request: Request, job_id: JobId, jobs: JobsDep) -> Response:
    job = _job_or_404(jobs, job_id, "assessment")
    if job.status != "done":
        return RedirectResponse(f"/assess/result/{job_id}", status_code=303)
    view = assessment_view(job.result["assessment"])
    return _render(
        request,
        "result.html",
        {
            "title": "Your options (print)",
            "a": view,
            "job": job,
            "printable": True,
            "fan_json": "[]",
        },
    )


@router.get("/assess/result/{job_id}/report.html")
def assess_report(job_id: JobId, jobs: JobsDep) -> Response:
    job = _job_or_404(jobs, job_id, "assessment")
    if job.status != "done":
        raise HTTPException(404, "the assessment has not finished")
    return HTMLResponse(
        job.result["report_html"],
        headers={"content-disposition": 'attachment; filename="anagen-assessment.html"'},
    )


@router.get("/assess/result/{job_id}/report.pdf")
def assess_pdf(job_id: JobId, jobs: JobsDep) -> Response:
    job = _job_or_404(jobs, job_id, "assessment")
    if job.status != "done":
        raise HTTPException(404, "the assessment has not finished")
    return Response(
        job.result["report_pdf"],
        media_type="application/pdf",
        headers={"content-disposition": 'attachment; filename="anagen-assessment.pdf"'},
    )


# -- trials ----------------------------------------------------------------------------------


def _trial_ctx(values: dict[str, Any] | None = None) -> dict[str, Any]:
    from anagen.decision._trial_file import ALTERNATIVES
    from anagen.scalp import ZONE_NAMES
    from anagen.therapy import protocol_paths
    from anagen.therapy.patient import MEN_STAGES, WOMEN_STAGES

    defaults = PowerRequest().model_dump()
    defaults["n_values"] = ", ".join(str(n) for n in defaults["n_values"])
    defaults["stages_male_lo"], defaults["stages_male_hi"] = defaults.pop("stages_male")
    defaults["stages_female_lo"], defaults["stages_female_hi"] = defaults.pop("stages_female")
    return {
        "title": "Trial designer",
        "treatments": [*protocol_paths(), *ALTERNATIVES],
        "zones": ZONE_NAMES,
        "men": MEN_STAGES,
        "women": WOMEN_STAGES,
        "values": {**defaults, **(values or {})},
    }


def _power_request(form: Any) -> PowerRequest:
    data: dict[str, Any] = {}
    for k in (
        "name",
        "design",
        "alpha",
        "trials",
        "seed",
        "age_min",
        "age_max",
        "male_fraction",
        "treated",
        "control",
        "zone",
        "measure",
        "follow_up_weeks",
        "follicles",
        "parameters",
        "source",
        "mode",
        "target",
        "max_n",
    ):
        v = str(form.get(k, "")).strip()
        if v:
            data[k] = v
    for k in ("stages_male", "stages_female"):
        lo, hi = str(form.get(f"{k}_lo", "")), str(form.get(f"{k}_hi", ""))
        if lo and hi:
            data[k] = (lo, hi)
    ns = str(form.get("n_values", "")).replace(";", ",")
    if ns.strip():
        data["n_values"] = [x.strip() for x in ns.split(",") if x.strip()][:50]
    return PowerRequest.model_validate(data)


@router.get("/trials", response_class=HTMLResponse)
def trial_form(request: Request) -> Response:
    return _render(request, "trials.html", _trial_ctx())


@router.post("/trials", response_class=HTMLResponse)
async def trial_submit(request: Request, jobs: JobsDep, settings: SettingsDep) -> Response:
    form = await _form(request)
    values = {k: str(v) for k, v in form.multi_items() if k != "csrf"}
    try:
        payload = power_payload(_power_request(form), settings)
    except ValidationError as exc:
        return _render(
            request, "trials.html", {**_trial_ctx(values), "error": _first_error(exc)}, 422
        )
    except InputError as exc:
        return _render(request, "trials.html", {**_trial_ctx(values), "error": str(exc)}, 422)
    job = jobs.submit("power", payload)
    return RedirectResponse(f"/trials/result/{job.id}", status_code=303)


@router.get("/trials/result/{job_id}", response_class=HTMLResponse)
def trial_result(request: Request, job_id: JobId, jobs: JobsDep) -> Response:
    job = _job_or_404(jobs, job_id, "power")
    if job.status != "done":
        return _render(
            request,
            "progress.html",
            {"title": "Trial simulation running", "job": job, "what": "virtual trials"},
        )
    res = job.result["power"]
    unit = job.result["unit"]
    curve = res["curve"]
    fig = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "power",
                "x": [c["n_per_arm"] for c in curve],
                "y": [c["power"] for c in curve],
                "error_y": {
                    "type": "data",
                    "array": [1.96 * c["power_se"] for c in curve],
                    "visible": True,
                },
                "hovertemplate": "n = %{x} per arm: power %{y:.2f}<extra></extra>",
            }
        ],
        "layout": {
            "title": {
                "text": f"Power against patients per arm ({res['simulated_trials']} "
                "simulated trials per point; bars: ±1.96 Monte-Carlo SE)"
                + (
                    f"<br>week {res['follow_up_weeks']:g} is past the evidence: "
                    "the model's extrapolation"
                    if res.get("extrapolated")
                    else ""
                ),
                "font": {"size": 13},
            },
            "xaxis": {"title": {"text": "patients per arm"}},
            "yaxis": {"title": {"text": "power"}, "range": [0, 1.02]},
            "height": 420,
            "margin": {"l": 60, "r": 10, "t": 70 if res.get("extrapolated") else 50, "b": 50},
            "showlegend": False,
        },
    }
    if res.get("target") is not None:
        fig["layout"]["shapes"] = [
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": res["target"],
                "y1": res["target"],
                "line": {"dash": "dot", "color": "#a4262c"},
            }
        ]
    return _render(
        request,
        "trial_result.html",
        {
            "title": "Trial power",
            "res": res,
            "unit": unit,
            "job": job,
            "fig_json": _json([{"power": fig}]),
        },
    )


# -- calibration ---------------------------------------------------------------------------


def _loso_view(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "coverage_80": d["coverage_80"],
        "n_studies": d["n_studies"],
        "studies_covered_80": d["studies_covered_80"],
        "studies_total": d["studies_total"],
        "rows": d["rows"],
    }


@router.get("/calibration", response_class=HTMLResponse)
def calibration_form(request: Request) -> Response:
    from anagen.decision import leave_one_study_out, load_posterior

    post = load_posterior()
    loso = leave_one_study_out(post).to_dict()
    return _render(
        request,
        "calibration.html",
        {
            "title": "Calibration",
            "loso": _loso_view(loso),
            "which": "the shipped posterior",
            "families": post.family_evidence(),
            "values": CalibrationRequest().model_dump(),
        },
    )


@router.post("/calibration", response_class=HTMLResponse)
async def calibration_submit(request: Request, jobs: JobsDep, settings: SettingsDep) -> Response:
    form = await _form(request)
    data = {k: str(form.get(k, "")).strip() for k in ("n_draws", "quantile", "seed")}
    try:
        req = CalibrationRequest.model_validate({k: v for k, v in data.items() if v})
        if req.n_draws > settings.calibration_max_draws:
            raise InputError(
                field="n_draws", allowed=f"<= {settings.calibration_max_draws}", got=req.n_draws
            )
    except ValidationError as exc:
        raise InputError(_first_error(exc)) from None
    job = jobs.submit("calibration", req.model_dump())
    return RedirectResponse(f"/calibration/result/{job.id}", status_code=303)


@router.get("/calibration/result/{job_id}", response_class=HTMLResponse)
def calibration_result(request: Request, job_id: JobId, jobs: JobsDep) -> Response:
    job = _job_or_404(jobs, job_id, "calibration")
    if job.status != "done":
        return _render(
            request,
            "progress.html",
            {"title": "Calibration running", "job": job, "what": "calibration"},
        )
    c = job.result["calibration"]
    return _render(
        request,
        "calibration.html",
        {
            "title": "Calibration",
            "loso": _loso_view(c["loso"]),
            "families": c["family_evidence"],
            "which": f"this refit ({c['n_draws']} draws per block, quantile {c['quantile']}, seed "
            f"{c['seed']}, {c['runtime_s']:.0f} s)",
            "values": {k: c[k] for k in ("n_draws", "quantile", "seed")},
            "refit": True,
        },
    )


# -- sources and API index -------------------------------------------------------------------


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request) -> Response:
    from anagen.therapy import SOURCES

    return _render(
        request, "sources.html", {"title": "Sources", "sources": sources_for(list(SOURCES))}
    )


@router.get("/api", response_class=HTMLResponse)
def api_index(request: Request) -> Response:
    spec = request.app.openapi()
    ops = [
        (m.upper(), p, op.get("summary", ""))
        for p, item in spec["paths"].items()
        for m, op in item.items()
    ]
    return _render(request, "api.html", {"title": "JSON API", "ops": ops})

"""The evidence explorer's data: the curated studies, the summary and the plots' data.

Everything comes from :mod:`anagen.evidence` (``load_studies``, ``study_directions``,
``study_effects``, ``summarise_evidence``, ``read_effects``, ``pool``). The only arithmetic here
turns each study's ``yi, vi`` into the interval a forest plot draws (``yi ± z·sqrt(vi)``, the
same interval ``anagen.evidence.forest_plot`` draws) and a funnel plot's axes.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from anagen.errors import ConvergenceError, InputError

__all__ = [
    "STUDY_COLUMNS",
    "evidence_summary",
    "filter_options",
    "forest_figure",
    "funnel_figure",
    "pool_upload",
    "studies",
    "studies_csv",
    "warm",
]

#: Columns of the studies table (API, page and CSV download), in order.
STUDY_COLUMNS = (
    "row_id",
    "study_id",
    "year",
    "product_group",
    "product",
    "design",
    "control",
    "n_treated",
    "n_control",
    "followup_weeks",
    "outcome",
    "outcome_domain",
    "direction",
    "effect_computed",
    "imputed",
    "citation",
    "url",
    "risk_of_bias_notes",
)


def _txt(x: Any) -> str:
    if x is None:
        return ""
    try:
        if isinstance(x, float) and math.isnan(x):
            return ""
        import pandas as pd

        if x is pd.NA:
            return ""
    except (TypeError, ValueError):
        pass
    return str(x)


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


@lru_cache(maxsize=1)
def _all_studies() -> tuple[dict[str, Any], ...]:
    from anagen.evidence import OUTCOME_DOMAINS, load_studies, study_directions, study_effects

    df = load_studies()
    directions = {r.row_id: r for r in study_directions().itertuples(index=False)}
    effects: dict[str, Any] = {}
    for dom in OUTCOME_DOMAINS:
        for r in study_effects(outcome=dom).itertuples(index=False):
            effects[r.row_id] = r
    sign = {1.0: "favours treatment", -1.0: "favours comparison", 0.0: "no difference"}
    out = []
    for r in df.itertuples(index=False):
        d = directions.get(r.row_id)
        e = effects.get(r.row_id)
        urls = [u.strip() for u in _txt(r.url_seen).split(" ; ") if u.strip().startswith("http")]
        out.append(
            {
                "row_id": r.row_id,
                "study_id": r.study_id,
                "year": int(r.year),
                "product_group": r.product_group,
                "product": r.product,
                "design": r.design_type,
                "control": _txt(r.control) or r.control_type,
                "n_treated": _num(r.n_treated),
                "n_control": _num(r.n_control),
                "followup_weeks": _num(r.followup_weeks),
                "outcome": r.outcome,
                "outcome_domain": r.outcome_domain,
                "direction": sign.get(_num(d.direction), "not reported") if d else "not reported",
                "effect_computed": (
                    "yes"
                    if e is not None
                    else (f"no: {d.reason}" if d is not None and d.reason else "no")
                ),
                "imputed": _txt(e.imputation) if e is not None else "",
                "citation": f"{r.study_id} ({int(r.year)}); {_txt(r.doi_or_pmid)}; "
                f"{_txt(r.where_in_source)}",
                "url": urls[0] if urls else "",
                "risk_of_bias_notes": _txt(r.risk_of_bias_notes),
            }
        )
    return tuple(out)


def filter_options() -> dict[str, list[Any]]:
    """The values each filter can take (from the bundled studies)."""
    rows = _all_studies()
    return {
        "product": sorted({r["product_group"] for r in rows}),
        "design": sorted({r["design"] for r in rows}),
        "outcome": sorted({r["outcome_domain"] for r in rows}),
        "year": sorted({r["year"] for r in rows}),
    }


def studies(
    *,
    product: str | None = None,
    design: str | None = None,
    outcome: str | None = None,
    year_min: int | None = None,
    year_max: int | None = None,
) -> list[dict[str, Any]]:
    """The curated studies matching every given filter (``None`` or ``""``: any)."""
    opts = filter_options()
    for name, value in (("product", product), ("design", design), ("outcome", outcome)):
        if value and value not in opts[name]:
            raise InputError(field=name, allowed=f"one of {', '.join(opts[name])}", got=value)
    out = []
    for r in _all_studies():
        if product and r["product_group"] != product:
            continue
        if design and r["design"] != design:
            continue
        if outcome and r["outcome_domain"] != outcome:
            continue
        if year_min is not None and r["year"] < year_min:
            continue
        if year_max is not None and r["year"] > year_max:
            continue
        out.append(dict(r))
    return out


def studies_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV text (cells that could start a spreadsheet formula are quoted with ')."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(STUDY_COLUMNS)
    for r in rows:
        cells = []
        for c in STUDY_COLUMNS:
            v = "" if r[c] is None else str(r[c])
            cells.append("'" + v if v[:1] in ("=", "+", "-", "@") and c != "year" else v)
        w.writerow(cells)
    return buf.getvalue()


def warm() -> None:
    """Compute the cached evidence tables once (called in a thread at server start)."""
    try:
        filter_options()
        evidence_summary()
    except Exception:  # pragma: no cover - the first request will report it properly
        pass


@lru_cache(maxsize=1)
def evidence_summary():
    """The bundled evidence summary (:func:`anagen.evidence.summarise_evidence`), computed once."""
    from anagen.evidence import summarise_evidence

    return summarise_evidence()


# -- plots (plotly figure dicts; drawn by the page's own script) ---------------------------


def _z(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))


def forest_figure(
    labels: list[str], yi: list[float], vi: list[float], result: Any, xlabel: str, title: str
) -> dict[str, Any]:
    """A forest plot: each study's interval and weight, the pooled diamond row and the
    prediction interval, from a :class:`~anagen.evidence.PoolResult`."""
    z = _z(result.level)
    half = [z * math.sqrt(v) for v in vi]
    weights = list(result.weights)
    rows = [*labels, "Pooled"]
    hover = [
        f"{lab}: {y:.2f} [{y - h:.2f}, {y + h:.2f}], weight {w:.1f}%"
        for lab, y, h, w in zip(labels, yi, half, weights, strict=True)
    ]
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": "studies",
            "x": list(yi),
            "y": list(labels),
            "error_x": {"type": "data", "array": half, "visible": True, "color": "#333"},
            "marker": {
                "symbol": "square",
                "color": "#1f4e9c",
                "size": [6 + 14 * math.sqrt(w / max(weights)) for w in weights],
            },
            "text": hover,
            "hoverinfo": "text",
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": f"pooled ({result.method})",
            "x": [result.estimate],
            "y": ["Pooled"],
            "error_x": {
                "type": "data",
                "symmetric": False,
                "array": [result.ci_high - result.estimate],
                "arrayminus": [result.estimate - result.ci_low],
                "color": "#a4262c",
            },
            "marker": {"symbol": "diamond", "size": 16, "color": "#a4262c"},
            "text": [
                f"pooled {result.estimate:.2f} [{result.ci_low:.2f}, {result.ci_high:.2f}]"
                + (
                    f"; prediction interval [{result.pi_low:.2f}, {result.pi_high:.2f}]"
                    if result.k > 1
                    else ""
                )
            ],
            "hoverinfo": "text",
        },
    ]
    return {
        "data": data,
        "layout": {
            "title": {"text": title, "font": {"size": 14}},
            "xaxis": {"title": {"text": xlabel}, "zeroline": True, "zerolinecolor": "#555"},
            "yaxis": {
                "autorange": "reversed",
                "categoryorder": "array",
                "categoryarray": rows,
                "automargin": True,
            },
            "height": 140 + 34 * len(rows),
            "margin": {"l": 10, "r": 10, "t": 40, "b": 50},
            "showlegend": False,
        },
    }


def funnel_figure(
    labels: list[str], yi: list[float], vi: list[float], result: Any, xlabel: str, title: str
) -> dict[str, Any]:
    """A funnel plot: effect against standard error, with the pooled estimate and its
    pseudo-confidence region (estimate ± z·SE)."""
    z = _z(result.level)
    se = [math.sqrt(v) for v in vi]
    top = max(se) * 1.1 if se else 1.0
    est = result.estimate
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{100 * result.level:g}% region",
                "x": [est - z * top, est, est + z * top],
                "y": [top, 0, top],
                "line": {"color": "#888", "dash": "dot"},
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "pooled",
                "x": [est, est],
                "y": [0, top],
                "line": {"color": "#a4262c"},
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": "studies",
                "x": list(yi),
                "y": se,
                "text": list(labels),
                "marker": {"color": "#1f4e9c", "size": 10},
                "hovertemplate": "%{text}: %{x:.2f}, SE %{y:.2f}<extra></extra>",
            },
        ],
        "layout": {
            "title": {"text": title, "font": {"size": 14}},
            "xaxis": {"title": {"text": xlabel}},
            "yaxis": {"title": {"text": "standard error"}, "autorange": "reversed"},
            "height": 360,
            "margin": {"l": 60, "r": 10, "t": 40, "b": 50},
            "showlegend": False,
        },
    }


def analysis_figures(analysis: Any) -> dict[str, Any]:
    """Forest and funnel of one analysis of the evidence summary."""
    from anagen.evidence._summary import _label

    labels = [_label(s) for s in analysis.study_ids] or list(analysis.studies)
    title = f"{analysis.name} ({analysis.measure})"
    return {
        "forest": forest_figure(
            labels, list(analysis.yi), list(analysis.vi), analysis.result, analysis.scale, title
        ),
        "funnel": funnel_figure(
            labels, list(analysis.yi), list(analysis.vi), analysis.result, analysis.scale, title
        ),
    }


_UPLOAD_LABEL = "uploaded CSV"


def pool_upload(
    content: bytes, *, method: str, knha: bool, level: float, measure: str
) -> dict[str, Any]:
    """Pool an uploaded effect table as ``anagen evidence pool`` does.

    The bytes are written to a private temporary file only because
    :func:`anagen.evidence.read_effects` reads a path; errors name the row and column and call
    the file "uploaded CSV" (never a server path).
    """
    from anagen.evidence import METHODS, pool, read_effects

    if method not in METHODS:
        raise InputError(field="method", allowed=f"one of {', '.join(METHODS)}", got=method)
    if not 0 < level < 1:
        raise InputError(field="level", allowed="in (0, 1), e.g. 0.95", got=level)
    try:
        with tempfile.TemporaryDirectory(prefix="anagen-upload-") as tmp:
            path = Path(tmp) / "upload.csv"
            path.write_bytes(content)
            data = read_effects(path, measure=measure)
    except InputError as exc:
        raise InputError(
            exc.detail,
            field=exc.field,
            row=exc.row,
            file=_UPLOAD_LABEL,
            allowed=exc.allowed,
            got=exc.got,
        ) from None
    need = 1 if (method == "FE" and not knha) else 2
    if data.k < need:
        raise InputError(
            field="k",
            file=_UPLOAD_LABEL,
            allowed=f">= {need} data rows for {method}",
            got=data.k,
        )
    try:
        res = pool(data.yi, data.vi, method=method, knha=knha, level=level)
    except ConvergenceError as exc:
        raise InputError(str(exc), field="method", file=_UPLOAD_LABEL) from None
    labels = list(data.labels)
    xlabel = data.measure or "effect size"
    return {
        "k": data.k,
        "layout": data.layout,
        "measure": data.measure,
        "labels": labels,
        "result": res,
        "forest": forest_figure(
            labels,
            data.yi.tolist(),
            data.vi.tolist(),
            res,
            xlabel,
            f"Your studies, pooled ({method}{', Knapp-Hartung' if knha else ''})",
        ),
        "funnel": funnel_figure(
            labels, data.yi.tolist(), data.vi.tolist(), res, xlabel, "Your studies: funnel"
        ),
    }

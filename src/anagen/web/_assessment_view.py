"""The one adapter between the assessment's data and the pages.

The page shows ``Assessment.to_dict()`` (computed in a job by
:func:`anagen.decision.assess_patient`): this module only picks, orders and words those values
— the option grid, the icon arrays, the fan charts' data, the candidacy and the sources. The one
computation it shows is the rule-of-three bound ``3/N`` for a share of 0 or 1 out of ``N``
draws (Hanley & Lippman-Hand, JAMA 1983;249:1743), so no 0 % or 100 % is claimed from a finite
sample.
"""

from __future__ import annotations

from typing import Any

__all__ = ["assessment_view", "sources_for"]

_MONTHS = ("6m", "12m", "24m")
_STATUS = {
    "eligible": "a candidate",
    "ask_specialist": "ask a specialist",
    "not_eligible": "NOT a candidate",
}
_COLOURS = (
    "#1f4e9c",
    "#a4262c",
    "#2e7d32",
    "#8a5a00",
    "#6a1b9a",
    "#00838f",
    "#5d4037",
    "#37474f",
    "#c2185b",
    "#455a64",
    "#7b8b00",
    "#283593",
    "#bf360c",
    "#004d40",
)


def _share(p: float | None, n: int) -> dict[str, Any]:
    """``p`` out of 100 for an icon array, with the words for the extremes."""
    if p is None:
        return {"count": None, "text": "not computed"}
    count = round(100 * p)
    if p <= 0:
        bound = min(100, -(-300 // n))  # ceil(100 * 3 / n)
        text = f"fewer than {bound} in 100 (none of {n} simulated draws)"
    elif p >= 1:
        bound = max(0, 100 - -(-300 // n))
        text = f"more than {bound} in 100 (all {n} simulated draws)"
    else:
        text = f"about {count} in 100"
    return {"count": min(100, max(0, count)), "text": text}


def _iv(d: dict[str, float] | None) -> str:
    if not d:
        return "-"
    return f"{d['median']:+.1f} ({d['low']:+.1f} to {d['high']:+.1f})"


def _shown(o: dict[str, Any], h: dict[str, Any] | None, field: str = "effect") -> str:
    """The number the page shows for one horizon: withheld past the trials' follow-up
    ("unknown: ..."); for an option added to what the person uses now, the gain over that."""
    if not h:
        return "-"
    if not h.get("known", True):
        return h.get("unknown_text") or "unknown"
    if field == "change":
        return _iv(h.get("change_vs_today"))
    if o.get("comparator", "none") != "none" and h.get("added"):
        return _iv(h["added"]) + f" over {str(o.get('comparator_name', '')).lower()}"
    return _iv(h.get("effect_vs_none"))


def _visible(o: dict[str, Any], h: dict[str, Any] | None, n: int) -> dict[str, Any]:
    if not h:
        return _share(None, n)
    if not h.get("known", True):
        return {"count": None, "text": h.get("unknown_text") or "unknown"}
    if not h.get("chance_known", True):  # its trials did not enrol people like this person
        return {"count": None, "text": h.get("chance_unknown_text") or "not estimated"}
    pv = h.get("p_visible_added") if o.get("comparator", "none") != "none" else None
    return _share((pv or h["p_visible"])["p"], n)


def _known_points(o: dict[str, Any], months: list[float]) -> int:
    """Points of the fan within the option's trials' follow-up (all for no treatment)."""
    if o.get("key") == "none":
        return len(months)
    if (o.get("candidacy") or {}).get("status") == "not_eligible":
        return 0  # no number for an option the person may not have
    from anagen.decision._assess_window import known_months

    mk = known_months(o.get("follow_up_weeks"))
    return sum(1 for m in months if m <= mk)


def _money(lo: float | None, hi: float | None) -> str:
    if lo is None or hi is None:
        return "not computed"
    return f"${lo:,.0f}" if round(lo) == round(hi) else f"${lo:,.0f} - ${hi:,.0f}"


def sources_for(tags: list[str]) -> list[dict[str, str]]:
    """Citation and link of each source tag (``anagen.therapy.SOURCES``)."""
    from anagen.therapy import SOURCES

    out = []
    for t in dict.fromkeys(tags):
        s = SOURCES.get(t)
        out.append(
            {
                "tag": t,
                "citation": s.citation if s else "",
                "url": s.url if s else "",
                "grade": s.grade if s else "",
            }
        )
    return out


def _zone(z: str) -> str:
    return str(z).replace("_", "-")


def _elsewhere(o: dict[str, Any], d: dict[str, Any]) -> str:
    """Where an option counted in another zone than the person's area is counted ("": it is
    not), with that zone's count today (the assessment's own numbers)."""
    z = o.get("target_zone")
    if not z or z == d["target_zone"]:
        return ""
    return (
        f"counted in the {_zone(z)} (where it acts; today {o['baseline']['median']:.1f} "
        f"terminal hairs/cm²), not the {_zone(d['target_zone'])}: compared with no treatment "
        f"in the {_zone(z)}"
    )


def _fan_traces(o: dict[str, Any], i: int) -> list[dict[str, Any]]:
    tr = o.get("trajectory") or {}
    if not tr.get("months"):
        return []
    col = _COLOURS[i % len(_COLOURS)]
    group = f"g{i}"
    visible = True if o["kind"] == "no treatment" or i < 3 else "legendonly"
    k = _known_points(o, tr["months"])  # nothing past the trials' follow-up
    if k == 0:
        return []
    tr = {key: list(tr[key])[:k] for key in ("months", "p10", "p50", "p90")}
    x = tr["months"]
    band = {"x": x, "type": "scatter", "mode": "lines", "line": {"width": 0}}
    band.update(legendgroup=group, showlegend=False, hoverinfo="skip", visible=visible)
    return [
        {**band, "y": tr["p90"], "name": o["name"]},
        {**band, "y": tr["p10"], "fill": "tonexty", "fillcolor": col + "33", "name": o["name"]},
        {
            "type": "scatter",
            "mode": "lines",
            "x": x,
            "y": tr["p50"],
            "line": {"color": col, "width": 2},
            "legendgroup": group,
            "name": o["name"],
            "visible": visible,
            "hovertemplate": "month %{x:.0f}: %{y:.1f} hairs/cm²<extra>"
            + o["name"].replace("<", "")
            + "</extra>",
        },
    ]


def _fan_figure(data: list[dict[str, Any]], title: str, height: int) -> dict[str, Any]:
    return {
        "data": data,
        "layout": {
            "title": {"text": title, "font": {"size": 14}},
            "xaxis": {"title": {"text": "months from today"}},
            "yaxis": {"title": {"text": "terminal hairs/cm²"}},
            "height": height,
            "margin": {"l": 60, "r": 10, "t": 40, "b": 40},
            "legend": {"orientation": "h", "y": -0.12, "yanchor": "top"},
        },
    }


def _fan(options: list[dict[str, Any]], zone: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The fan chart of the person's area (no treatment and the options counted there) and one
    per other zone: an option counted in the mid-scalp is never drawn against the untreated
    course of the vertex (the assessment holds no untreated course of the other zone)."""
    here: list[dict[str, Any]] = []
    other: dict[str, list[dict[str, Any]]] = {}
    base: dict[str, float] = {}
    for i, o in enumerate(options):
        z = o.get("target_zone") or zone
        traces = _fan_traces(o, i)
        if z == zone:
            here += traces
        elif traces:
            other.setdefault(z, []).extend(traces)
            base[z] = o["baseline"]["median"]
    main = _fan_figure(
        here, f"Terminal hair density in the {_zone(zone)} over time: median and 80% band", 600
    )
    rest = [
        _fan_figure(
            data,
            f"Options counted in the {_zone(z)} (today {base[z]:.1f}), not the {_zone(zone)}: "
            "no untreated course drawn",
            420,
        )
        for z, data in other.items()
    ]
    return main, rest


def assessment_view(d: dict[str, Any]) -> dict[str, Any]:
    """The page model of one assessment dict (``Assessment.to_dict()``)."""
    prov = d["provenance"]
    n = int(prov["n_draws"])
    opts = []
    all_tags: list[str] = []
    for o in d["options"]:
        tags = list(o.get("sources") or [])
        for se in o.get("side_effects") or []:
            tags += list(se.get("sources") or [])
        for r in (o.get("candidacy") or {}).get("reasons") or []:
            tags += list(r.get("sources") or [])
        cost = o.get("cost") or {}
        tags += list(cost.get("sources") or [])
        all_tags += tags
        status = (o.get("candidacy") or {}).get("status", "")
        hz = {f"{h['month']}m": h for h in o["horizons"]}
        opts.append(
            {
                "key": o["key"],
                "name": o["name"],
                "kind": o["kind"],
                "elsewhere": _elsewhere(o, d),
                "verdict": o.get("verdict", ""),
                "effect": {m: _shown(o, hz.get(m)) for m in _MONTHS},
                "change": {m: _shown(o, hz.get(m), "change") for m in _MONTHS},
                "visible": {m: _visible(o, hz.get(m), n) for m in _MONTHS},
                "like_you": (
                    "n/a"
                    if o["key"] == "none"
                    else "NO - EXTRAPOLATION: " + "; ".join(o["extrapolation"])
                    if o.get("extrapolation")
                    else "yes, or not stated in the sources"
                ),
                "standing": o.get("standing") or "-",
                "durability": (o.get("durability") or {}).get("text", ""),
                "cost": _money(cost.get("low"), cost.get("high")),
                "cost_basis": cost.get("basis", ""),
                # "–" and why when the effect it divides by is withheld (its note says so)
                "cost_per_hair": _money(cost.get("per_hair_low"), cost.get("per_hair_high"))
                if cost.get("per_hair_low") is not None
                else "–",
                "cost_per_hair_note": cost.get("per_hair_note", ""),
                "downtime": o.get("downtime", ""),
                "side_effects": o.get("side_effects") or [],
                "regulatory": {"us": o.get("regulatory_us", ""), "eu": o.get("regulatory_eu", "")},
                "status": status,
                "status_text": _STATUS.get(status, status),
                "reasons": (o.get("candidacy") or {}).get("reasons") or [],
                "certainty": o.get("certainty") or {},
                "sources": sources_for(tags),
            }
        )
    # safety first: options a person is not a candidate for go last, never first
    opts.sort(key=lambda o: o["status"] == "not_eligible")
    b = d["baseline_density"]
    fan, fan_other = _fan(d["options"], d["target_zone"])
    pat = d["patient"]["patient"]
    return {
        "question": "Is stem-cell therapy for hair loss effective for this person - by how much, "
        "for how long, at what cost, compared with what?",
        "disclaimer": d["disclaimer"],
        "patient": pat,
        "verdict": d["verdict"],
        "baseline": f"{b['median']:.1f} ({b['low']:.1f} to {b['high']:.1f})",
        "target_zone": _zone(d["target_zone"]),
        "evidence_date": d.get("evidence_date"),
        "outcome": d["outcome"],
        "interval": "80 % (10th to 90th percentile over parameter draws x stochastic simulation)",
        "visible_definition": d["visible_definition"],
        "durability_definition": d["durability_definition"],
        "parameter_source": prov["parameter_source_text"],
        "overall_certainty": d.get("evidence_certainty"),
        "settings": prov,
        "n_draws": n,
        "options": opts,
        "fan": fan,
        "fan_other": fan_other,
        "sources": sources_for(all_tags),
    }

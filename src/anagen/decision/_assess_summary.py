"""Step 3 of an assessment: summarise each option's draws into the typed answer.

Effects at the reporting horizons with 80 % intervals, the chance of a visible improvement,
durability (never claimed past the longest follow-up of a trial of the option), cost, and the
certainty of the evidence behind each number.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from anagen.decision._assess_plan import COURSE_MONTHS, DAYS_PER_MONTH, HORIZON_MONTHS, OptionSpec
from anagen.decision._assess_published import published_for
from anagen.decision._assessment import (
    Certainty,
    Chance,
    Cost,
    Durability,
    EvidenceRow,
    Horizon,
    Interval,
)

__all__ = [
    "certainty",
    "cost",
    "durability",
    "horizons",
    "longest_follow_up_weeks",
    "per_hair_shown",
]

MODEL_PRIOR = "model priors - NOT calibrated to the trials (--source prior)"
MODEL_POSTERIOR = (
    "model calibrated to the trials (posterior draws of anagen.decision.load_posterior)"
)
SOURCES_COST = "all cost sources are grade C (clinic pages, price guides, mostly undated, US)"

# Which evidence analyses / product lines of summarise_evidence() stand behind each option.
_EVIDENCE_ANALYSES: dict[str, tuple[str, ...]] = {
    "hf_micrografts": ("HFSC-micrograft",),
    "cell_free": ("ADSC-CE",),
    "minoxidil_2": ("minoxidil (vs placebo)",),
    "minoxidil_5": ("minoxidil (vs placebo)",),
}
_EVIDENCE_PRODUCTS: dict[str, tuple[str, ...]] = {
    "adipose_cells": ("adipose-derived stem-cell injections", "stromal vascular fraction"),
    "hf_micrografts": ("hair-follicle stem-cell micrografts",),
    "cell_free": ("adipose stem-cell constituent extract", "adipose stem-cell conditioned medium"),
    "bone_marrow_cells": ("bone-marrow cells",),
}
_INDIRECT = {
    "cell_free": "the graded trial is a topical extract, not an injected product (indirect)",
    "minoxidil_2": "pooled trials mix strengths (mostly 5 %)",
}
_SHORT = {
    "published meta-analysis or trial, not re-graded by anagen": "published, not graded",
    "no usable controlled effect in the bundled studies": "no usable effect",
    "no trial evidence in anagen's bundled data": "none bundled",
    "not applicable": "n/a",
}


def horizons(
    months: tuple[int, ...],
    eff: np.ndarray,
    gain: np.ndarray,
    threshold: float,
    *,
    known_months: int | None = None,
    unknown: str = "",
    added: np.ndarray | None = None,
    chance_unknown: str = "",
) -> tuple[Horizon, ...]:
    """Per reporting month: effect vs no treatment, change vs today, chance of a visible gain;
    a month after ``known_months`` (the trials' follow-up) is marked unknown (``unknown``);
    ``added``: the gain over what the person uses now, for an option added to it;
    ``chance_unknown``: why the chance is withheld at every month ("": it is not)."""
    n = eff.shape[0]
    return tuple(
        Horizon(
            month=m,
            effect_vs_none=Interval.of(eff[:, m]),
            change_vs_today=Interval.of(gain[:, m]),
            p_visible=Chance(float(np.mean(eff[:, m] >= threshold)), n),
            known=known_months is None or m <= known_months,
            unknown_text="" if known_months is None or m <= known_months else unknown,
            added=None if added is None else Interval.of(added[:, m]),
            p_visible_added=(
                None if added is None else Chance(float(np.mean(added[:, m] >= threshold)), n)
            ),
            chance_known=not chance_unknown,
            chance_unknown_text=chance_unknown,
        )
        for m in months
    )


def certainty(option: str, summary: Any, model: str, sex: str) -> Certainty:
    """The certainty of each kind of number for ``option`` (GRADE ratings from ``summary``;
    the published effects of trials of the person's ``sex``, see ``_assess_published``)."""
    common = {
        "model_numbers": model,
        "cost": SOURCES_COST,
        "downtime_and_side_effects": "cited labels, trials and clinic pages; frequencies where a "
        "source gives one",
        "note": _INDIRECT.get(option),
    }
    if summary is None:
        return Certainty(
            rating="not assessed", short="not assessed", evidence=(), studies_by_product=(),
            published=(), **common,
        )  # fmt: skip
    rows = tuple(
        EvidenceRow(a.name, a.certainty.rating, int(a.k), int(a.n), a.verdict)
        for a in summary.analyses
        if a.name in _EVIDENCE_ANALYSES.get(option, ())
    )
    products = tuple(
        s for s in summary.by_product if s.startswith(_EVIDENCE_PRODUCTS.get(option, ("\0",)))
    )
    published = published_for(option, sex, summary)
    if rows:
        order = ["very low", "low", "moderate", "high"]
        rating = min((r.certainty for r in rows), key=order.index)
    elif published:
        rating = "published meta-analysis or trial, not re-graded by anagen"
    elif option == "none":
        rating = "not applicable"
    elif products:
        rating = "no usable controlled effect in the bundled studies"
    else:
        rating = "no trial evidence in anagen's bundled data"
    return Certainty(
        rating=rating, short=_SHORT.get(rating, rating), evidence=rows,
        studies_by_product=products, published=published, **common,
    )  # fmt: skip


def cost(spec: OptionSpec, info: Any, effect_24: float) -> Cost:
    """Total cost over the course from the cited price range, and per hair per cm² gained."""
    unit = info.cost_unit
    years = COURSE_MONTHS / 12
    srcs = tuple(info.sources.get("cost", ()))
    if info.cost_high == 0:
        n, basis = 0.0, "no cost"
    elif unit.startswith("per session"):
        n = float(spec.sessions)
        basis = f"{spec.sessions} session(s) x {info.cost_text()}"
    elif unit.startswith("per year"):
        n, basis = years, f"{years:g} years x {info.cost_text()}"
    elif unit.startswith("per device"):
        n, basis = 1.0, f"one device, {info.cost_text()}"
    else:
        return Cost(
            None, None,
            f"{info.cost_text()}; the consumption over {COURSE_MONTHS} months is not in "
            "anagen's sources, so no total is computed",
            COURSE_MONTHS, srcs, SOURCES_COST, None, None, "no total cost computed",
        )  # fmt: skip
    low, high = info.cost_low * n, info.cost_high * n
    if spec.key == "none":
        ph = (None, None, "not applicable (no treatment)")
    elif effect_24 <= 0.5:
        ph = (
            None,
            None,
            f"no median gain over no treatment at 24 months ({effect_24:+.1f} hairs per cm²)",
        )
    else:
        ph = (
            low / effect_24,
            high / effect_24,
            f"total cost / median gain over no treatment at 24 months ({effect_24:+.1f} hairs per cm²)",
        )
    return Cost(float(low), float(high), basis, COURSE_MONTHS, srcs, SOURCES_COST, *ph)


def per_hair_shown(
    c: Cost,
    month: int,
    known_months: int | None,
    unknown: str,
    not_enrolled: str = "",
) -> Cost:
    """``c`` as every face shows it: no cost per hair per cm² gained when the effect at
    ``month`` it divides by is withheld - past the trials' follow-up (``known_months``; 0 for an
    option not open to this person, with ``unknown`` its reason), or the model's extrapolation
    to people the option's trials did not enrol (``not_enrolled``, that reason; the chance of a
    visible gain is withheld for them too). The note then starts with the withheld number's own
    reason (``"unknown: ..."``, ``"not open to this person"``, ``"not estimated: ..."``); the
    total cost of the course stays."""
    if known_months is not None and month > known_months:
        why = f"{unknown}: no cost per hair per cm² without the {month}-month effect it divides by"
    elif not_enrolled:
        why = (
            f"{not_enrolled}: no cost per hair per cm² from the model's extrapolated "
            f"{month}-month effect"
        )
    else:
        return c
    return replace(c, per_hair_low=None, per_hair_high=None, per_hair_note=why)


def longest_follow_up_weeks(option: str) -> float | None:
    """Longest follow-up (weeks) of a trial or study of ``option`` in the cited effect table."""
    from anagen.therapy.treatments import evidence_priors

    weeks = [e.weeks for e in evidence_priors(option) if e.weeks]
    return float(max(weeks)) if weeks else None


def durability(
    spec: OptionSpec,
    months: np.ndarray,
    gain: np.ndarray,
    eff: np.ndarray,
    follow_up_weeks: float | str | None = "table",
) -> Durability:
    """How long the benefit lasts.

    ``gain`` is the outcome minus today's, ``eff`` minus no treatment, both ``(draws, n_t)``.
    Per draw, the gain "returns to today" at the first month after its peak at which the
    outcome is back at or below today's. The advantage over no treatment "fades" at the first
    month after the treatment stops at which the 80 % interval of the effect includes zero.
    Whatever the model says past the longest follow-up of a trial of the option is reported as
    unknown: no trial observed it.
    """
    stop_m = float(spec.stop_day / DAYS_PER_MONTH)
    n = gain.shape[0]
    above = gain[:, 1:].max(axis=1) > 0
    back = np.full(n, np.nan)
    for d in np.flatnonzero(above):
        peak = 1 + int(np.argmax(gain[d, 1:]))
        below = np.flatnonzero(gain[d, peak:] <= 0)
        if below.size:
            back[d] = months[peak + below[0]]
    share_above = float(above.mean())
    beyond = float(np.mean(above & np.isnan(back)))
    lo = np.quantile(eff, 0.1, axis=0)
    clear = np.flatnonzero(lo > 0)
    fade = None
    if clear.size:
        after = np.flatnonzero((months >= stop_m) & (months > months[clear[0]]) & (lo <= 0))
        fade = float(months[after[0]]) if after.size else None
    fu = longest_follow_up_weeks(spec.option) if follow_up_weeks == "table" else follow_up_weeks
    fu_m = None if fu is None else fu * 7 / 365.25 * 12
    ret = None
    if spec.key == "none":
        text = "not applicable (no treatment)"
    else:
        if not clear.size:
            fade_t = "the advantage over no treatment is never clear (its 80% interval includes 0)"
        elif fade is not None:
            fade_t = (
                "the advantage over no treatment becomes uncertain (80% interval includes 0) "
                f"from month {fade:.0f}"
            )
        else:
            fade_t = f"the model keeps an advantage over no treatment to month {HORIZON_MONTHS}"
        if share_above < 0.5:
            head = (
                f"the outcome never rises above today's in {100 * (1 - share_above):.0f}% of "
                "draws (the option slows the loss rather than reversing it)"
            )
        elif beyond >= share_above / 2:
            head = f"above today's at month {HORIZON_MONTHS} in {100 * beyond:.0f}% of draws"
        else:
            ret = Interval.of(back[above & ~np.isnan(back)])
            head = (
                f"back to today's around month {ret.median:.0f} (80% interval "
                f"{ret.low:.0f}-{ret.high:.0f})"
            )
        text = f"model: {head}; {fade_t} (treatment stops at month {stop_m:.0f})"
        if fu is None:
            text = f"unknown: no trial of this option reports a follow-up. {text}"
        else:
            last = max(
                fade if fade is not None else HORIZON_MONTHS,
                ret.median if ret is not None else HORIZON_MONTHS,
            )
            if last > fu_m:
                text = (
                    f"unknown beyond week {fu:.0f}: no trial followed patients beyond {fu:.0f} "
                    f"weeks ({fu_m:.0f} months); past that the model only extrapolates. {text}"
                )
    return Durability(
        treatment_stops_month=round(stop_m, 1),
        share_ever_above_today=share_above,
        share_above_today_at_horizon=beyond,
        return_to_today_month=ret,
        advantage_fades_month=fade,
        horizon_month=HORIZON_MONTHS,
        longest_follow_up_weeks=fu,
        text=text,
    )

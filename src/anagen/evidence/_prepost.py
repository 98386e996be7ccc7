"""Within-arm pre-post synthesis: how much the treated scalp changed from its own baseline.

Most stem-cell reports give only the treated arm's change from baseline (single-arm series,
or trials whose control arm is not reported). Such a change is **not** an effect of the
treatment: it also contains the placebo response, regression to the mean (patients enrol
when their hair looks worst), seasonal shedding and measurement drift. It is pooled here per
product, outcome domain and scale, in its own section, never mixed with controlled effects,
and put beside a *yardstick*: the same pre-post number for minoxidil, computed from the
bundled minoxidil trials whose placebo arms show how much of it a placebo also achieves.

Standard error of a within-arm change, first source that works:

1. the reported SD of the change: ``SE = SD / sqrt(n)``;
2. the baseline and follow-up SDs with an assumed pre/post correlation ``r``
   (:func:`anagen.evidence.change_sd`; default 0.5, sensitivity over
   :data:`anagen.evidence.CORRELATION_RANGE`) - flagged;
3. the change times the median coefficient of variation (SD / mean) of the change in the
   bundled minoxidil treated arms (:func:`donor_change_cv`, 0.96 with the bundled arms) - flagged. (The
   only percent-scale SDs in the data come from one author group and are implausibly
   small, so they are not borrowed.)

References
----------
.. [1] Cochrane Handbook v6.4, 2023, §6.5.2.8 (SD of a change from baseline), §10.5.2
   (change scores), §24.2 (non-randomised studies).
.. [2] Barnett AG, van der Pols JC, Dobson AJ. Regression to the mean: what it is and how to
   deal with it. Int J Epidemiol 2005;34(1):215-220.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from anagen.errors import InputError
from anagen.evidence._convert import CORRELATION_DEFAULT, CORRELATION_RANGE, change_sd
from anagen.evidence._grade import Certainty, Judgement, judge_imprecision, rate_certainty

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from anagen.evidence._pool import PoolResult

__all__ = [
    "PREPOST_SCALES",
    "PrePostAnalysis",
    "PrePostSynthesis",
    "Yardstick",
    "donor_change_cv",
    "minoxidil_yardstick",
    "prepost_effects",
    "prepost_plot",
    "prepost_synthesis",
]

#: Outcome scales a within-arm change is pooled on (unit for printing).
PREPOST_SCALES: dict[str, str] = {
    "hairs_per_cm2": "hairs/cm²",
    "percent": "%",
    "um": "µm",
}

_COLUMNS = [
    "study_id",
    "row_id",
    "product_group",
    "outcome_domain",
    "outcome",
    "outcome_scale",
    "design_type",
    "arm",
    "n",
    "followup_weeks",
    "change",
    "se",
    "se_source",
    "flagged",
    "r_dependent",
    "note",
]


def _f(x: object) -> float:
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def donor_change_cv(trials: pd.DataFrame) -> float:
    """Median coefficient of variation (SD / mean) of the change in minoxidil treated arms.

    The arms of the bundled minoxidil trials that report a change SD are the only
    within-arm changes in the package with a known spread; their median SD/mean ratio is
    borrowed for stem-cell arms that report no SD (``SD = CV x |change|``), on any scale.
    """
    t = trials[trials["treated_change_sd"].notna() & (trials["treated_change_mean"] != 0)]
    if len(t) == 0:
        raise InputError(
            field="treated_change_sd", allowed="at least one minoxidil arm with an SD", got="none"
        )
    cv = t["treated_change_sd"].to_numpy(float) / t["treated_change_mean"].abs().to_numpy(float)
    import pandas as pd

    return float(pd.Series(cv).median())


def prepost_effects(
    *,
    studies: pd.DataFrame | None = None,
    r: float = CORRELATION_DEFAULT,
    trials: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One within-arm change from baseline per treated arm, outcome scale and study.

    Parameters
    ----------
    studies
        Table from :func:`anagen.evidence.load_studies` (``None``: the bundled one).
    r
        Assumed correlation between baseline and follow-up, used only when a report gives
        the two SDs but not the change SD.
    trials
        Minoxidil trial arms (:func:`anagen.evidence.load_comparator_trials`), donors of
        change SDs on the hairs/cm² scale; ``None`` loads the bundled table.

    Returns
    -------
    pandas.DataFrame
        Columns ``study_id, row_id, product_group, outcome_domain, outcome, outcome_scale,
        design_type, arm ("treated"), n, followup_weeks, change, se, se_source, flagged,
        r_dependent, note``. One row per study and scale: the longest follow-up is kept.
        Duplicate cohorts (``duplicate_of``) and rows without a change or without n are left
        out.
    """
    from anagen.evidence._studies import load_comparator_trials

    if not -1 <= r <= 1:
        raise InputError(field="r", allowed="in [-1, 1]", got=r)
    from anagen.evidence._store import default_studies

    df = default_studies() if studies is None else studies
    tr = load_comparator_trials() if trials is None else trials
    cv = donor_change_cv(tr)
    rows: list[dict[str, object]] = []
    for rec in df[df["duplicate_of"].isna()].itertuples(index=False):
        scale = str(rec.outcome_scale)
        if scale not in PREPOST_SCALES:
            continue
        base, fu = _f(rec.treated_baseline_mean), _f(rec.treated_followup_mean)
        change = _f(rec.treated_change_mean)
        if math.isnan(change) and not (math.isnan(base) or math.isnan(fu)):
            change = fu - base
        n = _f(rec.n_analysed)
        if math.isnan(n) or rec.design_type == "parallel":
            n = _f(rec.n_treated)
        if math.isnan(change) or math.isnan(n) or n < 2:
            continue
        sd_c = _f(rec.treated_change_sd)
        sd_b, sd_f = _f(rec.treated_baseline_sd), _f(rec.treated_followup_sd)
        r_dep = False
        if not math.isnan(sd_c):
            se, src, flagged, note = sd_c / math.sqrt(n), "change SD reported", False, ""
        elif not (math.isnan(sd_b) or math.isnan(sd_f)):
            sd = float(change_sd(sd_b, sd_f, r)[0])
            se, src, flagged, r_dep = sd / math.sqrt(n), f"pre/post SDs, r = {r:g}", True, True
            note = f"change SD from baseline/follow-up SDs with assumed pre/post r = {r:g}"
        else:
            sd = cv * abs(change)
            se, src, flagged = sd / math.sqrt(n), "borrowed CV", True
            note = (
                f"change SD not reported; SD = {cv:.2f} x change, the median SD/mean of the "
                "minoxidil treated arms' changes"
            )
        rows.append(
            dict(
                study_id=rec.study_id,
                row_id=rec.row_id,
                product_group=rec.product_group,
                outcome_domain=rec.outcome_domain,
                outcome=rec.outcome,
                outcome_scale=scale,
                design_type=rec.design_type,
                arm="treated",
                n=n,
                followup_weeks=_f(rec.followup_weeks_max),
                change=change,
                se=se,
                se_source=src,
                flagged=flagged,
                r_dependent=r_dep,
                note=note,
            )
        )
    import pandas as pd

    out = pd.DataFrame(rows, columns=_COLUMNS)
    if len(out):
        out["_fu"] = -out["followup_weeks"].fillna(-1.0)
        out = (
            out.sort_values(["study_id", "outcome_domain", "outcome_scale", "_fu"])
            .drop_duplicates(["study_id", "outcome_domain", "outcome_scale"], keep="first")
            .drop(columns="_fu")
            .reset_index(drop=True)
        )
    return out


@dataclass(frozen=True, slots=True)
class Yardstick:
    """Pre-post change of an established treatment beside its controlled effect.

    ``prepost`` pools the treated arms' changes from baseline, ``placebo_prepost`` the placebo
    arms' (the part a placebo also achieves), ``controlled`` the placebo-controlled mean
    difference of the same trials; ``ratio`` = prepost / controlled estimate.
    """

    treatment: str
    scale: str
    prepost: PoolResult
    placebo_prepost: PoolResult
    controlled: PoolResult
    ratio: float
    trials: tuple[str, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""

        def pr(p: PoolResult) -> dict[str, float]:
            return {"estimate": p.estimate, "ci_low": p.ci_low, "ci_high": p.ci_high, "k": p.k}

        return {
            "treatment": self.treatment,
            "scale": self.scale,
            "prepost": pr(self.prepost),
            "placebo_prepost": pr(self.placebo_prepost),
            "controlled": pr(self.controlled),
            "ratio": self.ratio,
            "trials": list(self.trials),
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class PrePostAnalysis:
    """A pooled within-arm change from baseline (not an effect vs control)."""

    name: str
    product_group: str
    outcome_domain: str
    scale: str
    k: int
    n: float
    studies: tuple[str, ...]
    result: PoolResult
    flagged: tuple[str, ...]
    r_sensitivity: tuple[tuple[float, float, float, float], ...]
    certainty: Certainty
    statement: str
    yi: tuple[float, ...]
    vi: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        r = self.result
        return {
            "name": self.name,
            "kind": "pre-post (within-arm change, not vs control)",
            "product_group": self.product_group,
            "outcome_domain": self.outcome_domain,
            "scale": self.scale,
            "unit": PREPOST_SCALES[self.scale],
            "k": self.k,
            "n": self.n,
            "studies": list(self.studies),
            "estimate": r.estimate,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "method": r.method,
            "i2": r.i2 if self.k > 1 else math.nan,
            "flagged": list(self.flagged),
            "r_sensitivity": [
                {"r": a, "estimate": b, "ci_low": c, "ci_high": d}
                for a, b, c, d in self.r_sensitivity
            ],
            "certainty": self.certainty.to_dict(),
            "statement": self.statement,
        }


@dataclass(frozen=True, slots=True)
class PrePostSynthesis:
    """All pre-post analyses with the yardstick that shows how much they overstate."""

    analyses: tuple[PrePostAnalysis, ...]
    yardsticks: tuple[Yardstick, ...]
    r: float
    method: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "analyses": [a.to_dict() for a in self.analyses],
            "yardsticks": [y.to_dict() for y in self.yardsticks],
            "r": self.r,
            "method": self.method,
        }


def minoxidil_yardstick(*, method: str = "REML", trials: pd.DataFrame | None = None) -> Yardstick:
    """Pre-post vs placebo-controlled change of minoxidil in the bundled minoxidil trials.

    Only placebo-controlled arms with a reported change SD enter the pre-post pools; a
    placebo arm shared by two comparisons is counted once. The controlled effect is pooled
    over the same trials from :func:`anagen.evidence.comparator_effects`.
    """
    from anagen.evidence._pool import pool
    from anagen.evidence._studies import comparator_effects, load_comparator_trials

    t = load_comparator_trials() if trials is None else trials
    t = t[(t["control_type"] == "placebo") & t["treated_change_sd"].notna()]
    yt = t["treated_change_mean"].to_numpy(float)
    vt = t["treated_change_sd"].to_numpy(float) ** 2 / t["n_treated"].to_numpy(float)
    pl = t.drop_duplicates(["trial", "control_arm"])
    yp = pl["control_change_mean"].to_numpy(float)
    vp = pl["control_change_sd"].to_numpy(float) ** 2 / pl["n_control"].to_numpy(float)
    ce = comparator_effects(trials=t)
    m = method if len(yt) >= 2 else "FE"
    pre = pool(yt, vt, method=m)
    plc = pool(yp, vp, method=method if len(yp) >= 2 else "FE")
    ctl = pool(ce["yi"], ce["vi"], method=m)
    labels = tuple(
        f"{a} ({b.split(' twice')[0].split(' once')[0]})"
        for a, b in zip(t["trial"], t["treatment_arm"], strict=True)
    )
    return Yardstick(
        treatment="minoxidil (topical)",
        scale="hairs_per_cm2",
        prepost=pre,
        placebo_prepost=plc,
        controlled=ctl,
        ratio=pre.estimate / ctl.estimate,
        trials=labels,
        source="bundled comparator_trials.csv (arms from Suchonwanit et al. 2019 Tables 2-3)",
    )


def _certainty(k: int, n: float, res: PoolResult, flagged: int) -> Certainty:
    judgements = [
        Judgement(
            "risk of bias",
            2,
            "no concurrent control: a change from baseline includes placebo response, "
            "regression to the mean and seasonal change (the minoxidil yardstick shows how much)",
        ),
        Judgement(
            "indirectness",
            1 if flagged else 0,
            f"{flagged} of {k} change SDs borrowed or derived with an assumed correlation"
            if flagged
            else "",
        ),
        judge_imprecision(res.ci_low, res.ci_high, n),
    ]
    return rate_certainty(randomised=False, judgements=judgements)


def _label(study_id: str) -> str:
    from anagen.evidence._summary import _label as lbl

    return lbl(study_id)


def prepost_synthesis(
    *,
    studies: pd.DataFrame | None = None,
    method: str = "REML",
    r: float | None = None,
    trials: pd.DataFrame | None = None,
) -> PrePostSynthesis:
    """Pool within-arm changes per product, outcome domain and scale; add the yardstick.

    Returns
    -------
    PrePostSynthesis
        One analysis per (product group, outcome domain, scale) with at least one arm, plus
        "all products" per domain and scale when several products contribute. Each carries
        a certainty that starts low and is rated down two levels for the missing control.
    """
    from anagen.evidence._pool import METHODS, pool

    if method not in METHODS:
        raise InputError(field="method", allowed=f"one of {', '.join(METHODS)}", got=method)
    r = CORRELATION_DEFAULT if r is None else float(r)
    eff = prepost_effects(studies=studies, r=r, trials=trials)
    by_r = {rr: prepost_effects(studies=studies, r=rr, trials=trials) for rr in CORRELATION_RANGE}
    groups: list[tuple[str, str, pd.DataFrame]] = []
    for _key, g in eff.groupby(["outcome_domain", "outcome_scale"], sort=True):
        if g["product_group"].nunique() > 1:
            groups.append(("stem-cell therapy (all products)", "all", g))
        for pg, h in g.groupby("product_group", sort=True):
            groups.append((str(pg), str(pg), h))
    analyses: list[PrePostAnalysis] = []
    for name, pg, g in groups:
        y, v = g["change"].to_numpy(float), g["se"].to_numpy(float) ** 2
        m = method if len(y) >= 2 else "FE"
        res = pool(y, v, method=m)
        flagged = tuple(
            f"{_label(s)}: {nt}"
            for s, nt, f in zip(g["study_id"], g["note"], g["flagged"], strict=True)
            if f
        )
        sens: list[tuple[float, float, float, float]] = []
        if g["r_dependent"].any():
            for rr, e in by_r.items():
                sel = e.set_index(["study_id", "outcome_domain", "outcome_scale"]).loc[
                    list(zip(g["study_id"], g["outcome_domain"], g["outcome_scale"], strict=True))
                ]
                p = pool(sel["change"].to_numpy(float), sel["se"].to_numpy(float) ** 2, method=m)
                sens.append((float(rr), p.estimate, p.ci_low, p.ci_high))
        n = float(g["n"].sum())
        cert = _certainty(len(y), n, res, len(flagged))
        dom, scale = str(g["outcome_domain"].iloc[0]), str(g["outcome_scale"].iloc[0])
        unit = PREPOST_SCALES[scale]
        statement = (
            f"{name}: {dom} changed by {res.estimate:+.1f} {unit} from baseline in treated arms "
            f"(95% CI {res.ci_low:.1f} to {res.ci_high:.1f}; k = {len(y)}, N = {n:g}); a "
            f"within-arm change, not an effect vs control; certainty {cert.rating.upper()}."
        )
        analyses.append(
            PrePostAnalysis(
                name=name,
                product_group=pg,
                outcome_domain=dom,
                scale=scale,
                k=len(y),
                n=n,
                studies=tuple(_label(s) for s in g["study_id"]),
                result=res,
                flagged=flagged,
                r_sensitivity=tuple(sens),
                certainty=cert,
                statement=statement,
                yi=tuple(float(x) for x in y),
                vi=tuple(float(x) for x in v),
            )
        )
    yard = (minoxidil_yardstick(method=method, trials=trials),)
    return PrePostSynthesis(analyses=tuple(analyses), yardsticks=yard, r=r, method=method)


def prepost_plot(synthesis: PrePostSynthesis, *, domain: str | None = "density") -> Figure:
    """Forest-style plot of pooled pre-post changes per scale, with the minoxidil yardstick.

    Returns a matplotlib Figure: one panel per (outcome domain, scale) - only ``domain``'s,
    or every domain's when ``domain`` is None; panel heights follow their row counts. On the
    density hairs/cm² panel the minoxidil treated-arm change, placebo-arm change and
    controlled effect are drawn in grey below the stem-cell rows.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    an = [a for a in synthesis.analyses if domain is None or a.outcome_domain == domain]
    panels = [
        (d, sc)
        for d in ("density", "thickness")
        for sc in PREPOST_SCALES
        if any(a.outcome_domain == d and a.scale == sc for a in an)
    ]
    if not panels:
        raise InputError(field="domain", allowed="an outcome domain with pre-post data", got=domain)
    n_rows = [
        sum(1 for a in an if a.outcome_domain == d and a.scale == sc)
        + (3 if (d, sc) == ("density", "hairs_per_cm2") else 0)
        for d, sc in panels
    ]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(8.0, 0.9 * len(panels) + 0.42 * sum(n_rows)),
        squeeze=False,
        gridspec_kw={"height_ratios": n_rows},
    )
    for ax, (dom, scale) in zip(axes[:, 0], panels, strict=True):
        rows = [
            (f"{a.name} (k={a.k}, N={a.n:g})", a.result, "C0")
            for a in an
            if a.scale == scale and a.outcome_domain == dom
        ]
        if (dom, scale) == ("density", "hairs_per_cm2"):
            for y in synthesis.yardsticks:
                rows += [
                    (f"{y.treatment}: treated arms, pre-post (k={y.prepost.k})", y.prepost, "0.45"),
                    (
                        f"{y.treatment}: placebo arms, pre-post (k={y.placebo_prepost.k})",
                        y.placebo_prepost,
                        "0.45",
                    ),
                    (
                        f"{y.treatment} vs placebo, controlled (k={y.controlled.k})",
                        y.controlled,
                        "0.2",
                    ),
                ]
        for i, (_lbl, res, col) in enumerate(rows[::-1]):
            ax.plot([res.ci_low, res.ci_high], [i, i], color=col, lw=1.6)
            ax.plot([res.estimate], [i], "D", color=col, ms=6)
            ax.text(
                1.01,
                i,
                f"{res.estimate:.1f} [{res.ci_low:.1f}, {res.ci_high:.1f}]",
                transform=ax.get_yaxis_transform(),
                va="center",
                fontsize=8,
            )
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([r[0] for r in rows[::-1]], fontsize=8)
        ax.axvline(0.0, color="k", lw=0.8)
        ax.set_xlabel(f"change from baseline ({PREPOST_SCALES[scale]})")
        ax.set_title(
            f"{dom}: within-arm change from baseline (NOT vs control) - {PREPOST_SCALES[scale]}",
            fontsize=9,
        )
    fig.tight_layout()
    return fig

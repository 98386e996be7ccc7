"""Checks of a calibrated posterior: posterior predictive checks per study and per visit, the
model's time course against every trial's reported visits, and a sensitivity run over the
imputed standard errors.

* **Posterior predictive check** (:func:`posterior_predictive`): for every study row (every
  visit of a multi-visit study), what a replicate study would report (simulated effect, a new
  between-study random effect and the sampling error) under the posterior fitted on ALL
  studies, next to the same over the prior draws, and where the reported value falls in it
  (predictive percentile).
* **Time course** (:func:`time_courses`): the simulated effect of every study's virtual trial
  over weeks 0 .. its last visit for a sample of accepted draws (median and 80 % band), with the
  reported value(s) at the visit(s).
* **SE sensitivity** (:func:`se_sensitivity`): the imputed SEs (every SE not derived from a
  reported CI or the arm SDs, see ``se_note``) scaled by each factor; the accepted draws,
  posterior medians and leave-one-study-out coverage recomputed on the stored simulations (no
  new simulation: only the likelihood weights change).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from anagen.decision._calibrate import Posterior, leave_one_study_out
from anagen.decision._calibrate_infer import weighted_quantile
from anagen.decision._calibrate_trials import CAL_AREA_CM2, TrialSimulator, curated_trials
from anagen.errors import InputError

__all__ = [
    "POPULATION_VARIANTS",
    "percentile_text",
    "population_sensitivity",
    "posterior_predictive",
    "se_sensitivity",
    "time_courses",
]

#: SE notes of SEs taken from the study's own numbers (everything else counts as imputed).
_DERIVED = ("from the 95 % CI", "from the arm SDs")


def percentile_text(v: float) -> str:
    """A predictive percentile from finitely many draws as printed: never 0 or 100."""
    if v < 1.0:
        return "<1"
    if v > 99.0:
        return ">99"
    return f"{v:.0f}"


def posterior_predictive(posterior: Posterior, seed: int = 0) -> pd.DataFrame:
    """One row per study row: reported, posterior and prior predictive 10/50/90 %, and the
    predictive percentile of the reported value (near 0 or 100: the model misses it).

    The predictive is what a replicate study would report (:meth:`BlockFit.predictive`:
    simulated effect, a new random effect and the sampling error) under the posterior weights
    fitted on ALL studies, and over the prior draws (equal weights)."""
    groups = posterior.groups()
    rows = []
    for b in posterior.blocks.values():
        w = b.weights()
        n0 = b.n_prior
        for j, sid in enumerate(b.study_ids):
            pred = b.predictive(j, seed)
            q = weighted_quantile(pred, w, [0.1, 0.5, 0.9])
            qp = np.quantile(pred[:n0], [0.1, 0.5, 0.9])
            rep = float(b.reported[j])
            rows.append(
                {
                    "study_id": sid,
                    "study": groups.get(sid, sid),
                    "block": b.name,
                    "reported": rep,
                    "se": float(b.se[j]),
                    "post_lo80": float(q[0]),
                    "post_median": float(q[1]),
                    "post_hi80": float(q[2]),
                    "prior_lo80": float(qp[0]),
                    "prior_median": float(qp[1]),
                    "prior_hi80": float(qp[2]),
                    "percentile": float(100.0 * np.sum(w * (pred <= rep))),
                    "inside80": bool(q[0] <= rep <= q[2]),
                }
            )
    return pd.DataFrame(rows)


def _imputed(posterior: Posterior) -> set[str]:
    return {
        t["study_id"]
        for t in posterior.trials
        if not any(str(t.get("se_note", "")).startswith(d) for d in _DERIVED)
    }


def se_sensitivity(
    posterior: Posterior, factors: Sequence[float] = (0.5, 1.0, 2.0)
) -> pd.DataFrame:
    """LOSO coverage and posterior medians with every imputed SE multiplied by each factor."""
    for f in factors:
        if isinstance(f, bool) or not isinstance(f, int | float) or not 0 < f <= 100:
            raise InputError(field="factors", allowed="numbers in (0, 100]", got=f)
    imputed = _imputed(posterior)
    rows = []
    for f in factors:
        blocks = {}
        for k, b in posterior.blocks.items():
            scale = np.array([f if s in imputed else 1.0 for s in b.study_ids])
            blocks[k] = replace(b, se=b.se * scale)
        p = Posterior(blocks, posterior.trials, posterior.provenance)
        loso = leave_one_study_out(p)
        row: dict[str, object] = {
            "se_factor": float(f),
            "imputed_rows": len(imputed),
            "loso_coverage_80": loso.coverage_80,
            "covered": int(loso.rows["covered"].sum()),
            "rows": len(loso.rows),
        }
        for k, b in blocks.items():
            if not b.study_ids:
                continue
            d = b.draws()
            names = ("emax_anagen", "fade_days", "latency_factor", "progression_factor")
            for name in (*names, "reversal_days"):
                if name in d.dtype.names:
                    row[f"{k}.{name}"] = float(np.median(d[name]))
        rows.append(row)
    return pd.DataFrame(rows)


def time_courses(
    posterior: Posterior,
    *,
    n_draws: int = 30,
    points: int = 8,
    seed: int = 0,
    area_cm2: float = CAL_AREA_CM2,
    advance: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Simulated effect of every study's virtual trial at ``points`` weeks from 0 to its last
    visit, for ``n_draws`` accepted draws of its block (median and 80 % band per week)."""
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or not 2 <= n_draws <= 1000:
        raise InputError(field="n_draws", allowed="an integer in [2, 1000]", got=n_draws)
    trials = {t.study_id: t for t in curated_trials()}
    groups = posterior.groups()
    rng = np.random.default_rng(seed)
    out = []
    done: set[str] = set()
    for b in posterior.blocks.values():
        if not b.study_ids:
            continue
        draws = b.draws()
        pick = rng.choice(draws.size, size=min(n_draws, draws.size), replace=False)
        by_study: dict[str, list[str]] = {}
        for sid in b.study_ids:
            by_study.setdefault(groups.get(sid, sid), []).append(sid)
        panels: dict[str, list[str]] = {}
        for study, sids in by_study.items():
            # visits of one treatment share a curve; the arms of one trial (a shared placebo
            # arm, different treatments) get one panel each, named by their first row
            kinds = list(dict.fromkeys(trials[s].kind for s in sids if s in trials))
            for kind in kinds:
                part = [s for s in sids if s in trials and trials[s].kind == kind]
                panels[study if len(kinds) == 1 else part[0]] = part
        for study, sids in panels.items():
            if study in done or sids[0] not in trials:
                continue
            done.add(study)
            rows = [trials[s] for s in sids]
            last = max(r.followup_days for r in rows)
            weeks = np.linspace(last / 7.0 / points, last / 7.0, points)
            sim = TrialSimulator(rows[-1], area_cm2=area_cm2, seed=0)
            eff = np.array(
                [
                    sim.effect_curve({n: float(draws[n][i]) for n in draws.dtype.names}, weeks)
                    for i in pick
                ]
            )
            q = np.quantile(eff, [0.1, 0.5, 0.9], axis=0)
            for k, w in enumerate(weeks):
                out.append(
                    {
                        "study": study,
                        "block": b.name,
                        "measure": rows[0].measure,
                        "week": float(w),
                        "lo80": float(q[0, k]),
                        "median": float(q[1, k]),
                        "hi80": float(q[2, k]),
                        "reported": np.nan,
                        "se": np.nan,
                    }
                )
            for r in rows:
                out.append(
                    {
                        "study": study,
                        "block": b.name,
                        "measure": r.measure,
                        "week": r.followup_days / 7.0,
                        "lo80": np.nan,
                        "median": np.nan,
                        "hi80": np.nan,
                        "reported": r.reported,
                        "se": r.se,
                    }
                )
            if advance is not None:
                advance(1)
    return pd.DataFrame(out)


#: Population variants of the sensitivity run: each changes every model patient of every study.
POPULATION_VARIANTS = ("age -10", "age +10", "stage -1", "stage +1")
_STAGE_STEPS = {"M": ("II", "III", "IV", "V", "VI"), "F": ("I", "II", "III")}


def _shift(vp, variant: str):
    if variant.startswith("age"):
        return replace(vp, age=float(min(max(vp.age + float(variant.split()[1]), 18.0), 90.0)))
    steps = _STAGE_STEPS[vp.sex]
    main = vp.stage.rstrip("av").replace("-vertex", "") if vp.sex == "M" else vp.stage
    if main not in steps:
        return vp
    k = min(max(steps.index(main) + int(variant.split()[1]), 0), len(steps) - 1)
    return replace(vp, stage=steps[k])


def population_sensitivity(
    posterior: Posterior,
    variants: Sequence[str] = POPULATION_VARIANTS,
    *,
    n_draws: int = 40,
    seed: int = 0,
    area_cm2: float = CAL_AREA_CM2,
    advance: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Simulated effect of every study row (median over ``n_draws`` accepted draws of its
    block, no sampling error) with the assumed populations as mirrored and shifted by each
    variant (every model patient 10 years younger/older, one stage milder/more advanced)."""
    for v in variants:
        if v not in POPULATION_VARIANTS:
            raise InputError(
                field="variants", allowed=f"among {', '.join(POPULATION_VARIANTS)}", got=v
            )
    trials = {t.study_id: t for t in curated_trials()}
    rng = np.random.default_rng(seed)
    rows = []
    for b in posterior.blocks.values():
        if not b.study_ids:
            continue
        draws = b.draws()
        pick = rng.choice(draws.size, size=min(n_draws, draws.size), replace=False)
        values = [{n: float(draws[n][i]) for n in draws.dtype.names} for i in pick]
        for sid in b.study_ids:
            if sid not in trials:
                continue
            t = trials[sid]
            row: dict[str, object] = {"study_id": sid, "block": b.name, "reported": t.reported}
            for v in ("as mirrored", *variants):
                tv = (
                    t
                    if v == "as mirrored"
                    else replace(t, population=tuple(_shift(p, v) for p in t.population))
                )
                sim = TrialSimulator(tv, area_cm2=area_cm2, seed=0)
                row[v] = float(np.median([sim.effect(x) for x in values]))
                if advance is not None:
                    advance(1)
            rows.append(row)
    return pd.DataFrame(rows)

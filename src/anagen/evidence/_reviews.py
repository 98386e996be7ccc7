"""Published systematic reviews: how much of them anagen holds, and what it reproduces.

``data/reviews.csv`` lists the systematic reviews of stem-cell, conditioned-medium and
micrograft hair therapies found in the stored abstracts (scope, number of trials and
participants as printed, pooled figures). :func:`coverage` sets each against the bundled
studies inside the same scope; :func:`published_vs_anagen` recomputes, from the bundled
trials, every published pooled figure whose kind of input anagen holds and says why the two
differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from anagen.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from anagen.evidence._prepost import PrePostSynthesis

__all__ = [
    "Coverage",
    "CoverageRow",
    "Reproduction",
    "ReproductionTable",
    "coverage",
    "load_reviews",
    "published_vs_anagen",
]

_REQUIRED = ("review_id", "citation", "identifiers", "scope", "anagen_groups", "anagen_designs")


def load_reviews() -> pd.DataFrame:
    """The bundled ``reviews.csv`` (numbers as floats, NaN where not printed)."""
    import pandas as pd

    with (
        resources.files("anagen.evidence").joinpath("data/reviews.csv").open(encoding="utf-8") as fh
    ):
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    for i, rec in enumerate(df.itertuples(index=False), start=1):
        for col in _REQUIRED:
            if not getattr(rec, col):
                raise InputError(field=col, row=i, file="reviews.csv", allowed="non-empty", got="")
        if rec.anagen_designs not in ("randomised", "any"):
            raise InputError(
                field="anagen_designs",
                row=i,
                file="reviews.csv",
                allowed="'randomised' or 'any'",
                got=rec.anagen_designs,
            )
    for col in ("pooled_estimate", "ci_low", "ci_high"):
        df[col] = pd.to_numeric(df[col].replace("", np.nan))
    return df


def _randomised(design: str, notes: str) -> bool:
    from anagen.evidence._summary import _study_bias

    return _study_bias(design, notes, "placebo")[0]


def _participants(g: pd.DataFrame) -> float:
    """Largest plausible N of one study: analysed, else both arms (split-scalp: the patients)."""
    import pandas as pd  # loaded already: ``g`` is a DataFrame

    best = 0.0
    for rec in g.itertuples(index=False):
        n_an = float(rec.n_analysed) if pd.notna(rec.n_analysed) else np.nan
        nt = float(rec.n_treated) if pd.notna(rec.n_treated) else 0.0
        nc = float(rec.n_control) if pd.notna(rec.n_control) else 0.0
        n = nt if rec.design_type == "split-scalp" else nt + nc
        if not np.isnan(n_an):
            n = n_an
        best = max(best, n)
    return best


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """One review against the bundled studies inside its scope."""

    review_id: str
    k_review: str
    n_review: str
    k_anagen: int
    n_anagen: float
    k_controlled: int
    k_prepost_only: int
    k_no_number: int
    studies: tuple[tuple[str, str], ...]  # (study_id, what anagen can use)
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        d = {f: getattr(self, f) for f in self.__slots__}  # type: ignore[attr-defined]
        d["studies"] = [{"study_id": s, "use": u} for s, u in self.studies]
        return d


@dataclass(frozen=True, slots=True)
class Coverage:
    """Coverage table: reviews vs anagen."""

    rows: tuple[CoverageRow, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"rows": [r.to_dict() for r in self.rows]}

    def lines(self) -> list[str]:
        """Printable lines."""
        out = []
        for r in self.rows:
            out.append(
                f"{r.review_id}: review {r.k_review or '?'} trials / {r.n_review or '?'} "
                f"participants; anagen in the same scope {r.k_anagen} trials / {r.n_anagen:g} "
                f"participants ({r.k_controlled} with an effect vs control, "
                f"{r.k_prepost_only} with a pre-post change only, {r.k_no_number} with no usable "
                f"number)"
            )
        return out


def _use(study_id: str, eff_ids: set[str], pp_ids: set[str], reasons: dict[str, str]) -> str:
    if study_id in eff_ids:
        return "effect vs control" + (" and pre-post" if study_id in pp_ids else "")
    if study_id in pp_ids:
        return "pre-post change only"
    why = reasons.get(study_id, "no mean with a spread or p-value")
    if why == "no control group":
        why = "no control group, and no single mean change from baseline with its n"
    elif why.startswith("active comparator"):
        why += "; no arm sizes for a pre-post change"
    return "no usable number: " + why


def coverage(studies: pd.DataFrame) -> Coverage:
    """Each review's scope vs the bundled studies in it (non-duplicate cohorts)."""
    from anagen.evidence._prepost import prepost_effects
    from anagen.evidence._studies import study_directions, study_effects

    reviews = load_reviews()
    base = studies[studies["duplicate_of"].isna()]
    eff_ids = set()
    for dom in ("density", "thickness"):
        eff_ids |= set(study_effects(outcome=dom, studies=studies)["study_id"])
    pp_ids = set(prepost_effects(studies=studies)["study_id"])
    reasons: dict[str, str] = {}
    for dom in ("density", "thickness", "global", "histology"):
        d = study_directions(outcome=dom, studies=studies)
        for s, q, why in zip(d["study_id"], d["quantified"], d["reason"], strict=True):
            if not q and why and s not in reasons:
                reasons[s] = str(why)
    rows = []
    for rv in reviews.itertuples(index=False):
        if not re.fullmatch(r"[A-Za-z]+\d{4}", rv.review_id) or not rv.k_trials:
            continue  # a second pooled figure of a review, or not a systematic review
        groups = set(rv.anagen_groups.split(";"))
        g = base[base["product_group"].isin(groups)]
        if rv.anagen_designs == "randomised":
            keep = {
                s
                for s, d, n in zip(g["study_id"], g["design"], g["risk_of_bias_notes"], strict=True)
                if _randomised(str(d), str(n))
            }
            g = g[g["study_id"].isin(keep)]
        ids = sorted(set(g["study_id"]))
        uses = tuple((s, _use(s, eff_ids, pp_ids, reasons)) for s in ids)
        n = sum(_participants(g[g["study_id"] == s]) for s in ids)
        rows.append(
            CoverageRow(
                review_id=rv.review_id,
                k_review=rv.k_trials,
                n_review=rv.n_participants,
                k_anagen=len(ids),
                n_anagen=float(n),
                k_controlled=sum(u.startswith("effect") for _, u in uses),
                k_prepost_only=sum(u.startswith("pre-post") for _, u in uses),
                k_no_number=sum(u.startswith("no usable") for _, u in uses),
                studies=uses,
                note=rv.notes,
            )
        )
    return Coverage(rows=tuple(rows))


@dataclass(frozen=True, slots=True)
class Reproduction:
    """A published pooled figure next to anagen's recomputation from its own trials."""

    published: str
    source: str
    published_estimate: float
    published_ci: tuple[float, float]
    anagen_estimate: float | None
    anagen_ci: tuple[float, float] | None
    anagen_k: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {f: getattr(self, f) for f in self.__slots__}  # type: ignore[attr-defined]

    def line(self) -> str:
        """One printable line."""
        pub = f"{self.published_estimate:g} [{self.published_ci[0]:g}, {self.published_ci[1]:g}]"
        if self.anagen_estimate is None or self.anagen_ci is None:
            ana = "not computable"
        else:
            ana = (
                f"{self.anagen_estimate:.2f} [{self.anagen_ci[0]:.2f}, {self.anagen_ci[1]:.2f}] "
                f"(k = {self.anagen_k})"
            )
        return f"{self.published}: published {pub}; anagen {ana}. Why they differ: {self.reason}"


@dataclass(frozen=True, slots=True)
class ReproductionTable:
    """The "published vs anagen" table."""

    rows: tuple[Reproduction, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"rows": [r.to_dict() for r in self.rows]}

    def lines(self) -> list[str]:
        """Printable lines."""
        return [r.line() for r in self.rows]


def _pool_pp(pp: PrePostSynthesis, groups: set[str], domain: str, scale: str) -> Any:
    from anagen.evidence._pool import pool

    ys: list[float] = []
    vs: list[float] = []
    for a in pp.analyses:
        if a.product_group in groups and a.outcome_domain == domain and a.scale == scale:
            ys += list(a.yi)
            vs += list(a.vi)
    if not ys:
        return None
    return pool(ys, vs, method="REML" if len(ys) >= 2 else "FE")


def published_vs_anagen(pp: PrePostSynthesis, *, method: str = "REML") -> ReproductionTable:
    """Recompute the published pooled figures whose kind of input anagen holds."""
    from anagen.evidence._pool import pool
    from anagen.evidence._studies import comparator_effects, load_comparators

    comp = load_comparators().set_index("row_id")
    rv = load_reviews().set_index("review_id")
    rows: list[Reproduction] = []
    mx = comparator_effects()
    mx = mx[mx["control_type"] == "placebo"]
    m = pool(mx["yi"], mx["vi"], method=method)
    c = comp.loc["C08"]
    rows.append(
        Reproduction(
            published="Topical minoxidil vs placebo, change in hairs/cm² (Cochrane CD007628)",
            source=str(c["source"]).split(".")[0] + " (comparators.csv C08)",
            published_estimate=float(c["pooled_md"]),
            published_ci=(float(c["ci_low"]), float(c["ci_high"])),
            anagen_estimate=m.estimate,
            anagen_ci=(m.ci_low, m.ci_high),
            anagen_k=m.k,
            reason=(
                "different trials: Cochrane pooled 8 trials in women (mostly 2%); the bundled "
                "arms come from the Suchonwanit 2019 review tables (Olsen 2002/2007, Berger "
                "2003, Lucky 2004, Tsuboi 2007; men and women, 1-5%), with 2 SDs imputed and "
                "shared placebo arms split; the intervals overlap"
            ),
        )
    )
    cm = {"ADSC-CE", "ADSC-CM", "MSC-CM"}
    for rid, dom, scale, label in (
        ("Chien2024", "density", "hairs_per_cm2", "Conditioned medium, hair density (hairs/cm²)"),
        ("Chien2024-thickness", "thickness", "um", "Conditioned medium, hair thickness (µm)"),
    ):
        held = ", ".join(
            a.studies[0]
            for a in pp.analyses
            if a.product_group in cm and a.outcome_domain == dom and a.scale == scale
        )
        r = rv.loc[rid]
        a = _pool_pp(pp, cm, dom, scale)
        rows.append(
            Reproduction(
                published=f"{label}, Chien 2024 (mostly before-after)",
                source=f"{r['identifiers']}",
                published_estimate=float(r["pooled_estimate"]),
                published_ci=(float(r["ci_low"]), float(r["ci_high"])),
                anagen_estimate=None if a is None else a.estimate,
                anagen_ci=None if a is None else (a.ci_low, a.ci_high),
                anagen_k=0 if a is None else a.k,
                reason=(
                    f"anagen pools the within-arm changes of the conditioned-medium arms it "
                    f"holds on this scale ({held or 'none'}; percent-scale arms such as Tak "
                    f"2020 and Oh 2020 cannot enter) with SDs borrowed from minoxidil arms; the "
                    f"review's trials are not listed in its abstract, so the overlap cannot be "
                    f"checked"
                ),
            )
        )
    r = rv.loc["Chien2024-RCT"]
    rows.append(
        Reproduction(
            published="Conditioned medium vs control, RCTs, hair density (hairs/cm²), Chien 2024",
            source=str(r["identifiers"]),
            published_estimate=float(r["pooled_estimate"]),
            published_ci=(float(r["ci_low"]), float(r["ci_high"])),
            anagen_estimate=None,
            anagen_ci=None,
            anagen_k=0,
            reason=(
                "not computable: no conditioned-medium RCT in anagen reports both arms in "
                "hairs/cm² (Tak 2020 gives percent changes; Oh 2020 and the 2019 tonic trial "
                "give the treated arm only; Legiawati 2023 and Lee 2020 give no numbers)"
            ),
        )
    )
    return ReproductionTable(rows=tuple(rows))

"""Wording of the evidence summary: study labels, GRADE 26 statements, by-product lines.

Every sentence is matched to its certainty (GRADE 26 informative statements: high
"increases", moderate "probably increases", low "may increase", very low "the evidence is very
uncertain about the effect").

References
----------
.. [1] Santesso N, Glenton C, Dahm P, et al. GRADE guidelines 26: informative statements to
   communicate the findings of systematic reviews of interventions. J Clin Epidemiol
   2020;119:126-135.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from anagen.evidence._grade import EGGER_MIN_K

if TYPE_CHECKING:
    from anagen.evidence._pool import PoolResult
    from anagen.evidence._prepost import PrePostSynthesis
    from anagen.evidence._summary_types import Analysis

__all__ = ["cannot_support", "prepost_line", "short_citation", "verdict_lines"]

_SCALES = {
    "MD_pct": "difference in % change from baseline (percentage points)",
    "MD": "mean difference in hair density (hairs/cm²)",
}
_UNITS = {"MD_pct": "percentage points", "MD": "hairs/cm²"}
#: Plain names of the curated product groups, for the verdict sentences.
_PLAIN = {
    "ADSC": "adipose-derived stem-cell injections (ADSC)",
    "ADSC-CE": "adipose stem-cell constituent extract (ADSC-CE, topical)",
    "ADSC-CM": "adipose stem-cell conditioned medium (ADSC-CM)",
    "MSC-CM": "umbilical-cord stem-cell conditioned medium (MSC-CM)",
    "SVF": "stromal vascular fraction (SVF)",
    "HFSC-micrograft": "hair-follicle stem-cell micrografts (HFSC)",
    "bone-marrow": "bone-marrow cells",
    "DSC": "dermal sheath cup cells (DSC)",
}
_STATEMENT = {  # GRADE 26 informative statements [1]_
    "high": "{x} increases hair density",
    "moderate": "{x} probably increases hair density",
    "low": "{x} may increase hair density",
    "very low": "the evidence is very uncertain about the effect of {x} on hair density",
}


def _label(study_id: str) -> str:
    m = re.match(r"([A-Za-z]+?)(\d{4})(\w*)$", study_id)
    return f"{m.group(1)} {m.group(2)}{m.group(3)}" if m else study_id


def _statement(
    name: str, certainty: str, r: PoolResult, unit: str, n: float, studies: tuple[str, ...] = ()
) -> str:
    lead = _STATEMENT[certainty].format(x=_PLAIN.get(name, name))
    lead = lead[0].upper() + lead[1:]
    who = f" ({', '.join(studies)})" if 0 < len(studies) <= 3 else ""
    return (
        f"{lead} ({r.estimate:+.1f} {unit}, 95% CI {r.ci_low:.1f} to {r.ci_high:.1f}; "
        f"k = {r.k}{who}, N = {n:g}; certainty {certainty.upper()})."
    )


_DIRECTION_WORDS = {
    1.0: "favours treatment",
    0.0: "no difference",
    -1.0: "favours the comparison",
}


def _by_product(directions: pd.DataFrame, analyses: list[Analysis]) -> tuple[str, ...]:
    """One line per product group over every study, usable or not (SWiM item 5: grouping)."""
    from anagen.evidence._studies import PRODUCT_GROUPS

    lines = []
    for pg in PRODUCT_GROUPS:
        g = directions[directions["product_group"] == pg]
        if not len(g):
            continue
        items = []
        for rec in g.itertuples(index=False):
            word = _DIRECTION_WORDS.get(float(rec.direction), "direction not reported")
            text = f"{_label(rec.study_id)} {rec.comparison}: {word}"
            if not rec.quantified:
                text += f" ({rec.reason})"
            items.append(text)
        usable = [a for a in analyses if a.family == "stem-cell" and a.name == pg]
        tail = (
            "usable effect: "
            + "; ".join(
                f"{a.result.estimate:+.1f} {_UNITS[a.measure]} "
                f"[{a.result.ci_low:.1f}, {a.result.ci_high:.1f}], certainty {a.certainty.rating}"
                for a in usable
            )
            if usable
            else "no usable effect"
        )
        lines.append(f"{_PLAIN.get(pg, pg)}: {'; '.join(items)}. {tail[0].upper() + tail[1:]}.")
    return tuple(lines)


def short_citation(citation: str) -> str:
    """First author's surname and the year of a citation (``"Kieling 2024"``)."""
    first = re.split(r",|;| et al|\s(?:19|20)\d{2}\b", citation, maxsplit=1)[0]
    author = " ".join(w for w in first.split() if not w.isupper())
    year = re.search(r"\b(19|20)\d{2}\b", citation)
    return f"{author}{' ' + year.group(0) if year else ''}"


def verdict_lines(
    *,
    head: str,
    stem: list[Analysis],
    comparators: list[Analysis],
    best: str,
    n_trials: int,
    n_imputed: int,
    prepost: str | None,
) -> list[str]:
    """The headline lines: direction of effect, one statement per stem-cell analysis, overall
    certainty, the pre-post line with its yardstick, and the benchmark."""
    lines = [head]
    lines += [f"- {a.verdict}" for a in stem]
    lines += [
        f"Overall certainty that stem-cell therapy increases hair density: {best.upper()}. Products "
        "differ, and the trials report percent changes or p-values rather than full results"
        + (
            "; every effect needed an assumption (see 'imputed')."
            if n_trials and n_imputed == n_trials
            else f"; {n_imputed} of {n_trials} effects needed an assumption."
        )
    ]
    if prepost:
        lines.append(prepost)
    lines += [f"Benchmark: {a.verdict}" for a in comparators]
    return lines


def prepost_line(pre_post: PrePostSynthesis) -> str | None:
    """One verdict line: the pooled within-arm density change beside the minoxidil yardstick."""
    pp_all = [
        a
        for a in pre_post.analyses
        if a.outcome_domain == "density" and a.product_group == "all" and a.scale == "hairs_per_cm2"
    ]
    if not (pp_all and pre_post.yardsticks):
        return None
    pa, y = pp_all[0], pre_post.yardsticks[0]
    return (
        f"Within-arm changes from baseline (pre-post, not vs control): treated stem-cell arms "
        f"gained {pa.result.estimate:+.1f} hairs/cm² (95% CI {pa.result.ci_low:.1f} to "
        f"{pa.result.ci_high:.1f}; k = {pa.k}, N = {pa.n:g}; certainty "
        f"{pa.certainty.rating.upper()}). Such changes "
        f"overstate effects: in the bundled minoxidil trials the treated arms gained "
        f"{y.prepost.estimate:.1f}, the placebo arms {y.placebo_prepost.estimate:.1f}, the "
        f"controlled effect was {y.controlled.estimate:.1f} hairs/cm² ({y.ratio:.2f}-fold)."
    )


def cannot_support(
    stem: list[Analysis], active_ids: list[str], followup_weeks: pd.Series
) -> tuple[str, ...]:
    """What this evidence cannot support, with the numbers that say why."""
    max_k = max((a.k for a in stem if not a.name.startswith("stem-cell")), default=0)
    fu = followup_weeks.dropna()
    return (
        f"the size of benefit to expect from any one stem-cell product: each has at most {max_k} "
        "usable controlled trial(s) on any one outcome scale",
        "a ranking of stem-cell therapy against minoxidil, finasteride, PRP or laser: no trial "
        "compares them directly with usable numbers (the trials with an active comparator, "
        f"{', '.join(_label(s) for s in active_ids)}, report none), and the other "
        "effects are on different scales or from different populations",
        "how long any benefit lasts: the longest usable controlled follow-up is "
        f"{fu.max():.0f} weeks" + (" and no trial reports durability beyond it" if len(fu) else ""),
        "who benefits most (sex, age, Norwood/Ludwig stage): the bundled reports give no usable "
        "subgroup results",
        "safety beyond the absence of reported serious adverse events in small series",
        "a test for publication bias or small-study effects: every stem-cell analysis has far "
        f"fewer than {EGGER_MIN_K} studies",
    )

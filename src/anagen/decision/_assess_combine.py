"""Options used together (a combination): their effect calibrated, their facts merged.

The effect of a combination is simulated (:func:`anagen.decision._assess_sim.combine`: its
parts' mechanisms act independently). For minoxidil and finasteride together the trials show
less than the sum of the two drugs' effects, so the pair is calibrated on them
(:func:`combination_kappa`): the combination's effect is minoxidil's plus a share ``kappa`` of
finasteride's, per parameter draw. This module also merges what is known about the parts: the
total cost is the sum of the parts' costs, side effects and regulation are listed part by part,
candidacy is the most restrictive of the parts' (every reason kept, prefixed with its part), and
the certainty is that of the weakest part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from anagen.decision._assessment import Certainty, Cost
from anagen.therapy.candidacy import Candidacy, Reason

__all__ = [
    "KAPPA",
    "KAPPA_SE",
    "calibrated_pair",
    "combination_kappa",
    "combined_candidacy",
    "combined_certainty",
    "combined_cost",
    "combined_info",
]

#: Finasteride added to minoxidil: +9.22 hairs per cm² over minoxidil alone, p = 0.04 (7 RCTs,
#: 396 men, topical finasteride mixed with minoxidil [LI25]), so a standard error of
#: 9.22 / 2.054 = 4.49 (z of a two-sided p of 0.04).
ADDED_GAIN, ADDED_SE = 9.22, 9.22 / 2.054
#: Finasteride 1 mg alone vs placebo: +17.3 ± 2.5 hairs per cm² at 48 weeks [S22] (the effect
#: the model's finasteride is checked against, :mod:`anagen.decision._consistency`).
ALONE_GAIN, ALONE_SE = 17.3, 2.5
#: Share of finasteride's own effect that it adds on top of minoxidil: 9.22 / 17.3 = 0.53, with
#: the delta-method standard error 0.53 * sqrt((4.49/9.22)² + (2.5/17.3)²) = 0.27. Supported by
#: the oral combination trials: no significant difference in hair-density change between the
#: combination and either drug alone (5 RCTs [CHEN20]), while more men improve with both (94.1 %
#: vs 80.5 % with finasteride, 59 % with minoxidil, 12 months [HU15]). Indirect: the pooled
#: add-on trials used finasteride in the minoxidil solution, not the tablet.
KAPPA = ADDED_GAIN / ALONE_GAIN
KAPPA_SE = KAPPA * math.sqrt((ADDED_SE / ADDED_GAIN) ** 2 + (ALONE_SE / ALONE_GAIN) ** 2)
#: Entropy of the kappa draws (like the parameter draws, the same for every seed).
_KAPPA_DESIGN = (20261202, 3)


def combination_kappa(n: int) -> np.ndarray:
    """``n`` draws of ``kappa`` ~ Normal(:data:`KAPPA`, :data:`KAPPA_SE`) kept in [0, 1] (the
    pair adds at least minoxidil's effect and at most the sum); they depend on ``n`` only."""
    rng = np.random.default_rng(np.random.SeedSequence([*_KAPPA_DESIGN, n]))
    return np.clip(rng.normal(KAPPA, KAPPA_SE, n), 0.0, 1.0)


def calibrated_pair(parts: Any) -> tuple[Any, Any] | None:
    """The (minoxidil, finasteride) parts of a combination that holds both, else None."""
    mino = next((p for p in parts if p.key.startswith("minoxidil")), None)
    fin = next((p for p in parts if p.key == "finasteride_1mg"), None)
    return None if mino is None or fin is None else (mino, fin)


_RANK = {"eligible": 0, "ask_specialist": 1, "not_eligible": 2}
_ORDER = ["very low", "low", "moderate", "high"]


def combined_cost(costs: list[Cost], effect_24: float) -> Cost:
    if any(c.low is None or c.high is None for c in costs):
        low = high = None
        note = "no total: a part's total cost is not computed"
        ph: tuple[float | None, float | None, str] = (None, None, note)
    else:
        low = float(sum(c.low for c in costs))  # type: ignore[misc]
        high = float(sum(c.high for c in costs))  # type: ignore[misc]
        if effect_24 <= 0.5:
            ph = (None, None, f"no median gain over no treatment at 24 months ({effect_24:+.1f})")
        else:
            ph = (
                low / effect_24,
                high / effect_24,
                f"total cost / median gain over no treatment at 24 months ({effect_24:+.1f} "
                "hairs per cm²)",
            )
    return Cost(
        low, high, " + ".join(c.basis for c in costs), costs[0].over_months,
        tuple(dict.fromkeys(t for c in costs for t in c.sources)), costs[0].certainty, *ph,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Info:
    downtime: str
    side_effects: tuple[Any, ...]
    regulatory_us: str
    regulatory_eu: str


def combined_info(parts, infos) -> _Info:
    from anagen.therapy.options import SideEffect

    return _Info(
        "; ".join(dict.fromkeys(i.downtime for i in infos)),
        tuple(
            SideEffect(f"{p.name}: {s.effect}", s.frequency, s.sources)
            for p, i in zip(parts, infos, strict=True)
            for s in i.side_effects
        ),
        "; ".join(f"{p.name}: {i.regulatory_us}" for p, i in zip(parts, infos, strict=True)),
        "; ".join(f"{p.name}: {i.regulatory_eu}" for p, i in zip(parts, infos, strict=True)),
    )


def combined_candidacy(key: str, parts, cands: list[Candidacy]) -> Candidacy:
    status = max((c.status for c in cands), key=_RANK.__getitem__)
    reasons = tuple(
        Reason(r.effect, f"{p.name}: {r.text}", r.sources)
        for p, c in zip(parts, cands, strict=True)
        for r in c.reasons
    )
    return Candidacy(key, status, reasons)


def combined_certainty(parts, certs: list[Certainty]) -> Certainty:
    graded = [c.rating for c in certs if c.rating in _ORDER]
    rating = (
        min(graded, key=_ORDER.index)
        if len(graded) == len(certs)
        else "; ".join(f"{p.name}: {c.short}" for p, c in zip(parts, certs, strict=True))
    )
    weakest = certs[0]
    return replace(
        weakest,
        rating=rating,
        short=rating if len(rating) < 30 else "see parts",
        evidence=tuple(e for c in certs for e in c.evidence),
        studies_by_product=tuple(s for c in certs for s in c.studies_by_product),
        published=tuple(q for c in certs for q in c.published),
        note=(
            "minoxidil with finasteride: calibrated on the combination trials (finasteride adds "
            f"{KAPPA:.2f} of its own effect, SE {KAPPA_SE:.2f} [LI25][CHEN20][HU15]); other parts "
            "are assumed to act independently (no source gives their interaction)"
            if calibrated_pair(parts)
            else "the combination's effect is modelled assuming its parts act independently "
            "(no source gives their interaction)"
        ),
        model_numbers=min((c.model_numbers for c in certs), key=len),
    )

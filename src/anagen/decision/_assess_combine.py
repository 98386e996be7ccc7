"""Options used together (a combination): their facts merged for the answer.

The effect of a combination is simulated (:func:`anagen.decision._assess_sim.combine`); this
module merges what is known about its parts: the total cost is the sum of the parts' costs,
side effects and regulation are listed part by part, candidacy is the most restrictive of the
parts' (every reason kept, prefixed with its part), and the certainty is that of the weakest
part.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from anagen.decision._assessment import Certainty, Cost
from anagen.therapy.candidacy import Candidacy, Reason

__all__ = ["combined_candidacy", "combined_certainty", "combined_cost", "combined_info"]

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
        note="the combination's effect is modelled assuming its parts act independently (no "
        "source gives their interaction)",
        model_numbers=min((c.model_numbers for c in certs), key=len),
    )

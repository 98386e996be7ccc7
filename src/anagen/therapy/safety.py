"""Contraindications and cautions from labels, trials and guidelines (``data/safety.toml``).

Each rule names the options it applies to, a condition the patient file can express
(:data:`PREDICATES`), its effect (``not_eligible``, ``ask_specialist`` or ``note``) and its
sources. :func:`safety_reasons` returns the rules that apply to one person and one option, as
candidacy :class:`~anagen.therapy.Reason` objects (:func:`anagen.therapy.assess` merges them
with the trial criteria). An option excluded here is never ranked or headlined.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from anagen.errors import InputError
from anagen.therapy._sources import SOURCES
from anagen.therapy.data import data_path
from anagen.therapy.patient import Patient

__all__ = ["PREDICATES", "SafetyRule", "is_safety_reason", "safety_reasons", "safety_rules"]

#: Conditions a rule can test, on the patient file.
PREDICATES: dict[str, Callable[[Patient], bool]] = {
    "pregnant": lambda p: p.health.pregnant,
    "breastfeeding": lambda p: p.health.breastfeeding,
    "pregnant_or_breastfeeding": lambda p: p.health.pregnant or p.health.breastfeeding,
    # not stated counts as "may": the label's contraindication covers "may potentially be"
    "may_become_pregnant": lambda p: (
        p.sex == "F" and not p.health.pregnant and p.health.may_become_pregnant is not False
    ),
    "female": lambda p: p.sex == "F",
    "male": lambda p: p.sex == "M",
    "bleeding_disorder": lambda p: p.health.bleeding_disorder,
    "anticoagulants": lambda p: p.health.anticoagulants,
    "active_scalp_infection": lambda p: p.health.active_scalp_infection,
    "malignancy": lambda p: p.health.malignancy,
}
_EFFECTS = ("not_eligible", "ask_specialist", "note")


@dataclass(frozen=True, slots=True)
class SafetyRule:
    options: tuple[str, ...]
    when: str
    effect: str
    text: str
    sources: tuple[str, ...]


@lru_cache(maxsize=1)
def safety_rules() -> tuple[SafetyRule, ...]:
    """The shipped rules, checked (unknown predicate, effect or source tag: InputError)."""
    path = data_path("safety.toml")
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    out = []
    for i, r in enumerate(raw.get("rule", []), start=1):
        if r.get("when") not in PREDICATES:
            raise InputError(
                field="when",
                row=i,
                allowed=", ".join(PREDICATES),
                got=r.get("when"),
                file=str(path),
            )
        if r.get("effect") not in _EFFECTS:
            raise InputError(
                field="effect",
                row=i,
                allowed=", ".join(_EFFECTS),
                got=r.get("effect"),
                file=str(path),
            )
        for t in r.get("sources", []):
            if t not in SOURCES:
                raise InputError(
                    field="sources",
                    row=i,
                    allowed="tags of anagen.therapy.SOURCES",
                    got=t,
                    file=str(path),
                )
        out.append(
            SafetyRule(tuple(r["options"]), r["when"], r["effect"], r["text"], tuple(r["sources"]))
        )
    return tuple(out)


def safety_reasons(patient: Patient, option: str) -> list:
    """Candidacy reasons from the safety rules that apply to ``patient`` and ``option``."""
    from anagen.therapy.candidacy import Reason

    return [
        Reason(r.effect, r.text, r.sources)
        for r in safety_rules()
        if option in r.options and PREDICATES[r.when](patient)
    ]


def is_safety_reason(reason) -> bool:
    """Whether a candidacy reason comes from a safety rule (a label, a contraindication), also
    when a combination prefixes it with its part's name. Such a reason keeps the option out of
    any headline even when it only asks for a specialist."""
    return any(
        tuple(reason.sources) == r.sources and reason.text.endswith(r.text) for r in safety_rules()
    )

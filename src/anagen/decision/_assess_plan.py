"""Step 1 of an assessment: the plan — which options, which parameter draws, which data.

Nothing here simulates. :func:`plan_options` lists the options (stem-cell protocols, the
alternatives, no treatment) with their schedules; :func:`parameter_draws` draws the model
parameters (calibrated posterior or priors) from the seed; :func:`data_checksums` fingerprints
the data the answer depends on, so a stored prediction can be checked and reproduced.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from anagen.errors import InputError

__all__ = [
    "ALTERNATIVES",
    "COURSE_MONTHS",
    "DAYS_PER_MONTH",
    "HORIZON_MONTHS",
    "MONTHS",
    "OptionSpec",
    "data_checksums",
    "option_seed",
    "parameter_draws",
    "plan_options",
    "protocol_option",
    "resolve_protocols",
]

#: Months at which effects are reported.
MONTHS: tuple[int, ...] = (6, 12, 24)
#: Length of each simulation (months): a 24-month course, then 24 months to see it fade.
HORIZON_MONTHS = 48
#: Drugs, devices and PRP maintenance are assumed used for this long, then stopped.
COURSE_MONTHS = 24
DAYS_PER_MONTH = 365.25 / 12
#: Keys of the alternatives, in display order.
ALTERNATIVES: tuple[str, ...] = (
    "minoxidil_5",
    "minoxidil_2",
    "finasteride_1mg",
    "lllt",
    "prp",
    "transplant",
)
#: Options whose parameters the calibration step fits (the others keep their priors).
CALIBRATED_KEYS = ("minoxidil_5", "minoxidil_2", "finasteride_1mg", "lllt", "prp")


@dataclass(frozen=True)
class OptionSpec:
    """One option to simulate: what it is and how it is scheduled."""

    key: str
    name: str
    option: str
    kind: str
    stop_day: float  # treatment (or last session) ends here
    sessions: int  # sessions or units paid for over the course
    protocol: Any = None  # a therapy Protocol for the stem-cell options
    treatment: Any = None  # a therapy Treatment for the alternatives
    parts: tuple[OptionSpec, ...] = ()  # a combination: its options, used together
    comparator: str = "none"  # added to what the person uses now: the key of that option

    @property
    def calibrated(self) -> bool:
        if self.parts:
            return all(p.calibrated for p in self.parts)
        return self.protocol is not None or self.key in CALIBRATED_KEYS


def combination(
    parts: Sequence[OptionSpec], name: str | None = None, comparator: str = "none"
) -> OptionSpec:
    """Options used together: key ``a+b``, ends with the last part; ``comparator``: the key of
    what the person uses now when the last part is added to it."""
    parts = tuple(parts)
    return OptionSpec(
        "+".join(p.key for p in parts),
        name or " + ".join(p.name for p in parts),
        parts[0].option,
        "combination",
        max(p.stop_day for p in parts),
        sum(p.sessions for p in parts),
        parts=parts,
        comparator=comparator,
    )


def option_seed(key: str) -> int:
    """A stable integer per option key (its random stream does not depend on which other
    options are assessed)."""
    return zlib.crc32(key.encode("utf-8"))


def resolve_protocols(protocols: Sequence[Any] | None) -> list[Any]:
    """Protocols to assess: the shipped ones (``None``), or names / paths / ``Protocol`` objects.

    Raises
    ------
    InputError
        For a name that is neither a shipped protocol nor an existing ``.toml`` file
        (``field='protocols'``), or an invalid protocol file (the message names the key).
    """
    from anagen.therapy import Protocol, load_protocol, protocol_paths

    shipped = protocol_paths()
    if protocols is None:
        return [load_protocol(p) for p in shipped.values()]
    out = []
    for p in protocols:
        if isinstance(p, Protocol):
            out.append(p)
            continue
        s = str(p)
        if s in shipped:
            out.append(load_protocol(shipped[s]))
        elif Path(s).is_file():
            out.append(load_protocol(s))
        else:
            raise InputError(
                field="protocols",
                allowed=f"a protocol .toml file or one of {', '.join(shipped)}",
                got=s,
            )
    return out


def protocol_option(p: Any) -> OptionSpec:
    """The option of a stem-cell protocol: key ``product:name``, its sessions' span and count."""
    return OptionSpec(
        f"{p.product.key}:{p.name}",
        p.name,
        p.product.option,
        "stem-cell",
        max(p.sessions.days),
        p.sessions.count,
        protocol=p,
    )


def plan_options(
    protocols: Sequence[Any], alternatives: Sequence[str], patient: Any = None
) -> list[OptionSpec]:
    """The options to simulate, stem-cell protocols first (no treatment is always added by the
    caller: it is the comparator of every option). A transplant uses the patient's planned graft
    count (``[transplant] grafts``) when given."""
    from anagen.therapy import PRP, Finasteride, HairTransplant, LowLevelLaser, Minoxidil

    for k in alternatives:
        if k not in ALTERNATIVES:
            raise InputError(field="options", allowed="any of " + ", ".join(ALTERNATIVES), got=k)
    course = COURSE_MONTHS * DAYS_PER_MONTH
    specs = [protocol_option(p) for p in protocols]
    make = {
        "minoxidil_5": lambda: Minoxidil(strength_percent=5.0, stop_day=course),
        "minoxidil_2": lambda: Minoxidil(strength_percent=2.0, stop_day=course),
        "finasteride_1mg": lambda: Finasteride(stop_day=course),
        "lllt": lambda: LowLevelLaser(stop_day=course),
        "prp": PRP,
        "transplant": lambda: HairTransplant(
            grafts=(patient.transplant.grafts if patient is not None else None)
            or HairTransplant().grafts
        ),
    }
    for k in ALTERNATIVES:
        if k not in alternatives and not (patient is not None and k in _current(patient)):
            continue
        t = make[k]()
        if k == "prp":
            days = t.session_days(course)
            specs.append(
                OptionSpec(k, t.name, t.option, "alternative", max(days), len(days), treatment=t)
            )
        elif k == "transplant":
            specs.append(OptionSpec(k, t.name, t.option, "alternative", 0.0, 1, treatment=t))
        else:
            specs.append(OptionSpec(k, t.name, t.option, "alternative", course, 0, treatment=t))
    by = {sp.key: sp for sp in specs}
    cur = [by[k] for k in _current(patient) if k in by]
    # what the person uses now is always simulated: it is the comparator of the add-ons
    alone = [
        sp
        for sp in specs
        if sp.key in alternatives or sp.protocol is not None or sp.key in {c.key for c in cur}
    ]
    combos = []
    now_key = "none"
    if cur:
        now = combination(cur, "What you use now: " + " + ".join(c.name for c in cur))
        now_key = now.key if len(cur) > 1 else cur[0].key
        if len(cur) > 1:
            combos.append(now)
    if {"minoxidil_5", "finasteride_1mg"} <= set(alternatives):
        pair = [by["minoxidil_5"], by["finasteride_1mg"]]
        # for a person already on one of the two, the pair is the other added to it
        adds = bool(cur) and {c.key for c in cur} < {p.key for p in pair}
        combos.append(combination(pair, comparator=now_key if adds else "none"))
    if cur:
        for sp in specs:
            if sp.protocol is not None:
                combos.append(
                    combination([*cur, sp], f"{sp.name}, added to what you use now", now_key)
                )
    out, seen = list(alone), {a.key for a in alone}
    for c in combos:  # the same pair can be both "what you use now" and a combination option
        if c.key not in seen:
            seen.add(c.key)
            out.append(c)
    return out


def treated_zones(spec: OptionSpec, patient: Any) -> tuple[str, ...]:
    """Zones the option acts on: the injected zones of a protocol, a transplant's recipient
    zones, the pattern-loss zones for drugs, laser and PRP."""
    from anagen.therapy import run_protocol
    from anagen.therapy.treatments import affected_zones

    if spec.parts:
        return tuple(dict.fromkeys(z for p in spec.parts for z in treated_zones(p, patient)))
    if spec.protocol is not None:
        return tuple(z.zone for z in run_protocol(spec.protocol, patient, seed=0).inject.zones)
    if spec.treatment is not None and spec.key == "transplant":
        return tuple(spec.treatment.recipient_zones(patient))
    return tuple(affected_zones(patient))


def option_zone(spec: OptionSpec, patient: Any, default: str) -> str:
    """Zone of the option's 1 cm² target area: the person's (``default``) when the option acts
    there, else the mid-scalp, else the first zone it acts on (trials count where they treat)."""
    zones = treated_zones(spec, patient)
    if not zones or default in zones:
        return default
    return "mid_scalp" if "mid_scalp" in zones else zones[0]


def _current(patient: Any) -> tuple[str, ...]:
    return tuple(patient.treatments.current) if patient is not None else ()


def no_treatment() -> OptionSpec:
    return OptionSpec("none", "No treatment", "none", "no treatment", 0.0, 0)


#: Entropy of the parameter design: the n parameter draws are the same for every seed (a fixed
#: sample of the posterior or priors), so the seed moves only the stochastic simulation and
#: the comparison between options does not flip with it.
PARAMETER_DESIGN = 20261202


def parameter_draws(posterior: Any, n: int, seed: int) -> tuple[list[Any], list[Any], Any]:
    """Per draw: the regeneration constants of the cell products and of PRP, the posterior draw
    (``None`` with the priors); and the medians (for the report's scalp maps). The draws depend
    on ``n`` only (:data:`PARAMETER_DESIGN`), not on ``seed``."""
    from anagen.therapy import DEFAULT_PRIORS

    rng = np.random.default_rng(np.random.SeedSequence([PARAMETER_DESIGN, n]))
    if posterior is None:
        regen = [DEFAULT_PRIORS.sample(rng) for _ in range(n)]
        med = DEFAULT_PRIORS.median()
        return [(r, r) for r in regen], [None] * n, (med, med)
    pds = [posterior.sample(rng) for _ in range(n)]
    med = posterior.median()
    return [(d.regeneration, d.prp) for d in pds], pds, (med.regeneration, med.prp)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def posterior_checksum(posterior: Any) -> str:
    """sha256 over the accepted draws of every block (content, not file: a posterior passed
    in memory is fingerprinted the same way as the shipped one)."""
    h = hashlib.sha256()
    for name, d in sorted(posterior.draws.items()):
        h.update(name.encode())
        h.update(np.ascontiguousarray(d).tobytes())
    return h.hexdigest()


def data_checksums(posterior: Any, protocols: Sequence[Any]) -> tuple[tuple[str, str], ...]:
    """sha256 of the package data the answer depends on, and of the posterior's draws."""
    import anagen

    root = Path(anagen.__file__).parent
    files = [
        root / "scalp" / "data" / "default.toml",
        root / "therapy" / "data" / "options.toml",
        root / "therapy" / "data" / "evidence.csv",
        root / "evidence" / "data" / "studies.csv",
        root / "evidence" / "data" / "comparators.csv",
        root / "evidence" / "data" / "comparator_trials.csv",
    ]
    out = [(f.relative_to(root).as_posix(), _sha(f.read_bytes())) for f in files if f.is_file()]
    for p in protocols:
        out.append((f"protocol:{p.name}", _sha(p.model_dump_json().encode())))
    if posterior is not None:
        out.append(("posterior:draws", posterior_checksum(posterior)))
    return tuple(out)

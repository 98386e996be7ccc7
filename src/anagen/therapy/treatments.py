"""Treatments as modules of one kind: each turns a schedule into a :class:`~anagen.scalp.Modulation`.

* :class:`CellTherapy` — a protocol file run through harvest → process → inject → regenerate.
* :class:`PRP` — platelet-rich plasma: the same growth-factor exposure model, loading sessions
  a month apart then maintenance every 6 months [T61][T89].
* :class:`Minoxidil` (2 % / 5 %), :class:`LowLevelLaser` — continuous use: latency shortened and
  anagen lengthened in the pattern-loss zones while used; gone when stopped.
* :class:`Finasteride` — oral 1 mg: slows the pace of pattern loss (``progression_factor``) and
  shortens latency (kenogen) [S19].
* :class:`HairTransplant` — FUE/FUT: moves follicles from the finite occipital donor zone.
* :class:`NoTreatment`.

Effect sizes of the kinetic factors are **priors** (assumptions with wide ranges; only their
direction is sourced), to be calibrated to the trial effects listed with each option
(:func:`evidence_priors`, package file ``data/evidence.csv``).
"""

from __future__ import annotations

import csv
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from anagen.scalp import ZONE_NAMES, Modulation, Transplant
from anagen.therapy._priors import Prior
from anagen.therapy.data import data_path
from anagen.therapy.patient import Patient
from anagen.therapy.pipeline import ProtocolRun, run_protocol
from anagen.therapy.protocol import Protocol
from anagen.therapy.regenerate import DEFAULT_PRIORS, RegenerationPriors, regenerate

__all__ = [
    "PRP",
    "CellTherapy",
    "EvidencePrior",
    "Finasteride",
    "HairTransplant",
    "LowLevelLaser",
    "Minoxidil",
    "NoTreatment",
    "Treatment",
    "affected_zones",
    "evidence_priors",
    "standard_options",
]


def affected_zones(patient: Patient | None) -> tuple[str, ...]:
    """Zones where pattern hair loss happens: the Norwood-Hamilton sequence for men (temporal,
    vertex, frontal, mid-scalp) and the central Ludwig pattern for women (frontal, mid-scalp,
    vertex); parietal and occipital are spared in both (zone order of :mod:`anagen.scalp`)."""
    if patient is not None and patient.sex == "F":
        return ("frontal", "mid_scalp", "vertex")
    return ("frontal", "mid_scalp", "vertex", "temporal")


def _zone_mask(zones: tuple[str, ...]) -> np.ndarray:
    return np.array([z in zones for z in ZONE_NAMES], dtype=float)


def _regeneration_priors(r: RegenerationPriors) -> dict[str, Prior]:
    """The growth-factor response priors, named ``regenerate.<field>``."""
    return {f"regenerate.{k}": getattr(r, k) for k in r.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class EvidencePrior:
    """A published effect an option is to be calibrated against (copied with provenance)."""

    option: str
    treatment: str
    comparison: str
    outcome: str
    value: float
    ci_low: float | None
    ci_high: float | None
    unit: str
    weeks: float | None
    source: str
    where: str
    notes: str

    def text(self) -> str:
        ci = (
            f" ({self.ci_low:g} to {self.ci_high:g})"
            if self.ci_low is not None and self.ci_high is not None
            else ""
        )
        wk = f" at {self.weeks:g} wk" if self.weeks else ""
        return f"{self.value:+g}{ci} {self.unit}{wk} {self.comparison} [{self.source}]"


def _opt_float(s: str) -> float | None:
    return float(s) if s.strip() else None


def evidence_priors(option: str | None = None) -> list[EvidencePrior]:
    """Published effects per option from ``data/evidence.csv`` (all, or one option's)."""
    with data_path("evidence.csv").open(newline="", encoding="utf-8") as fh:
        rows = [
            EvidencePrior(
                r["option"],
                r["treatment"],
                r["comparison"],
                r["outcome"],
                float(r["value"]),
                _opt_float(r["ci_low"]),
                _opt_float(r["ci_high"]),
                r["unit"],
                _opt_float(r["weeks"]),
                r["source"],
                r["where"],
                r["notes"],
            )
            for r in csv.DictReader(fh)
        ]
    return [r for r in rows if option is None or r.option == option]


class Treatment(ABC):
    """A treatment: a name, an option key (for costs, risks, candidacy) and a modulation."""

    key: str
    name: str
    option: str

    @abstractmethod
    def modulation(
        self,
        horizon_days: float,
        patient: Patient | None = None,
        rng: np.random.Generator | None = None,
    ) -> Modulation:
        """The treatment's effect on the scalp over ``horizon_days``.

        With ``rng=None`` every prior is at its median; with a generator every prior is drawn
        once (one prior-predictive sample).
        """

    def priors(self) -> dict[str, Prior]:
        """The named priors behind :meth:`modulation`."""
        return {}

    def prior_values(self, rng: np.random.Generator | None = None) -> dict[str, float]:
        """The priors' medians, or one draw of each when ``rng`` is given."""
        return {
            k: (float(p.sample(rng)) if rng is not None else p.median)
            for k, p in self.priors().items()
        }

    def evidence(self) -> list[EvidencePrior]:
        return evidence_priors(self.option)


class NoTreatment(Treatment):
    key, name, option = "none", "No treatment", "none"

    def modulation(
        self,
        horizon_days: float,
        patient: Patient | None = None,
        rng: np.random.Generator | None = None,
    ) -> Modulation:
        return Modulation.none()


@dataclass
class _Continuous(Treatment):
    """Constant factors in the affected zones from ``start_day`` until ``stop_day``."""

    start_day: float = 0.0
    stop_day: float | None = None
    all_zones: bool = False

    def factors(self, values: dict[str, float]) -> dict[str, float]:
        """Kinetic factors while used (``Modulation`` field → value) from prior ``values``.

        By default the priors are named after the factors and used as they are.
        """
        return dict(values)

    def modulation(
        self,
        horizon_days: float,
        patient: Patient | None = None,
        rng: np.random.Generator | None = None,
    ) -> Modulation:
        zones = ZONE_NAMES if self.all_zones else affected_zones(patient)
        mask = _zone_mask(zones)
        values = self.prior_values(rng)
        f = self.factors(values)
        edges = [0.0, self.start_day] if self.start_day > 0 else [0.0]
        on = [False, True] if self.start_day > 0 else [True]
        stops = self.stop_day is not None and self.stop_day < horizon_days
        # a reversal window (``reversal_days``): miniaturisation is undone only in the first
        # ``reversal_days`` of use; the other factors stay while used
        rev_end = np.inf
        if "reversal_days" in values:
            rev_end = self.start_day + max(values["reversal_days"], 0.0)
            if rev_end < horizon_days and (not stops or rev_end < self.stop_day):
                edges.append(rev_end)
                on.append(True)
        if stops:
            edges.append(self.stop_day)
            on.append(False)
        rows = {
            k: [] for k in ("anagen_factor", "latency_factor", "progression_factor", "reversal")
        }
        neutral = {
            "anagen_factor": 1.0,
            "latency_factor": 1.0,
            "progression_factor": 1.0,
            "reversal": 0.0,
        }
        for edge, active in zip(edges, on, strict=True):
            for k, base in neutral.items():
                used = active and (k != "reversal" or edge < rev_end)
                v = f.get(k, base) if used else base
                rows[k].append(base + (v - base) * mask)
        extra: dict[str, np.ndarray] = {}
        if stops and "fade_days" in values:
            # the effect persists while used and fades after stopping (Modulation.hold_end_day)
            shape = (len(edges), len(ZONE_NAMES))
            extra = {
                "hold_end_day": np.full(shape, float(self.stop_day)),
                "fade_days": np.full(shape, max(values["fade_days"], 0.0)),
            }
        return Modulation(
            t_days=np.array(edges), **{k: np.array(v) for k, v in rows.items()}, **extra
        )


@dataclass
class Minoxidil(_Continuous):
    """Topical minoxidil, 2 % or 5 %, twice daily, in the pattern-loss zones.

    Priors (assumptions; direction: regrowth reactivates dormant follicles [S68], minoxidil
    starts anagen early and enlarges follicles [MESS04]): latency factor 0.175 (0.05-0.3,
    derived from the shedding window [ROG]),
    anagen factor 1.3 (1.0-1.6)
    and reversal of miniaturisation 0.25 (0-0.5) per anagen entry for 5 %; the 2 % effects are 0.60 of
    the 5 % ones, the ratio of the placebo-corrected 48-week changes in Olsen 2002 (derived:
    (12.7 - 3.9) / (18.6 - 3.9) = 0.60) [C4].
    """

    strength_percent: float = 5.0

    def __post_init__(self) -> None:
        if self.strength_percent not in (2.0, 5.0):
            from anagen.errors import InputError

            raise InputError(field="strength_percent", allowed="2 or 5", got=self.strength_percent)
        s = int(self.strength_percent)
        self.key, self.name, self.option = (
            f"minoxidil_{s}",
            f"Topical minoxidil {s} %",
            f"minoxidil_{s}",
        )

    def priors(self) -> dict[str, Prior]:
        return {
            "latency_factor": Prior(
                "minoxidil_5.latency_factor",
                0.175,
                0.05,
                0.3,
                "1",
                "uniform",
                ("S68", "MESS04", "ROG"),
                True,
                note=(
                    "direction: regrowth reactivates dormant follicles [S68]; minoxidil shortens"
                    " rest, so resting follicles enter anagen early [MESS04], seen as the"
                    " shedding 2-6 weeks after the start [ROG]. Size (derived): the trial effect"
                    " is carried by miniaturised follicles, whose kenogen lasts up to 150 days"
                    " (the scalp model's vellus latency, from a 1-5 month kenogen); ended 2-6 weeks after the first"
                    " application it is shortened to 14/150-42/150 = 0.09-0.28 of its length;"
                    " the range 0.05-0.3 holds that with a margin. It was 0.2-0.9 (an"
                    " assumption) before issue 8's re-fit"
                ),
            ),
            "anagen_factor": Prior(
                "minoxidil_5.anagen_factor", 1.3, 1.0, 1.6, "1", "uniform", ("MESS04",), True
            ),
            "reversal": Prior(
                "minoxidil_5.reversal",
                0.25,
                0.0,
                0.5,
                "fraction reversed per anagen entry",
                "uniform",
                ("MESS04", "C4", "C2"),
                True,
                note=(
                    "direction: minoxidil increases follicle size [MESS04]; size: no source"
                    " gives a per-cycle fraction, so the range is set so that the prior"
                    " predictive spans the reported placebo-corrected effects (+8.8 to +16.6"
                    " hairs/cm² [C4]; women +13.2 [C2]). Without it the latency and anagen"
                    " levers saturate at about +6 hairs/cm² at 48 weeks (NH III vertex target"
                    " area, latency factor down to 0.01), as few follicles are dormant there"
                ),
            ),
            "potency_2_vs_5": Prior(
                "minoxidil_2.potency",
                0.60,
                0.60,
                0.60,
                "1",
                "uniform",
                ("C4",),
                note="(12.7 - 3.9) / (18.6 - 3.9), Olsen 2002 48-week changes",
            ),
            "fade_days": Prior(
                "minoxidil.fade_days",
                30.0,
                10.0,
                90.0,
                "days",
                "lognormal",
                ("PRICE99",),
                True,
                note=(
                    "counts back to placebo levels 24 weeks after stopping [PRICE99]: the"
                    " extended anagens end within ~1 month, then the hairs stay through"
                    " catagen and telogen (14 + 120 d) before they are shed (168 - 134 = 34 d)"
                ),
            ),
        }

    def factors(self, values: dict[str, float]) -> dict[str, float]:
        k = 1.0 if self.strength_percent == 5.0 else values["potency_2_vs_5"]
        return {
            "latency_factor": 1.0 - k * (1.0 - values["latency_factor"]),
            "anagen_factor": 1.0 + k * (values["anagen_factor"] - 1.0),
            "reversal": k * values.get("reversal", 0.0),
        }


@dataclass
class Finasteride(_Continuous):
    """Oral finasteride 1 mg daily: slows pattern loss everywhere and shortens kenogen.

    Priors (assumptions): progression factor 0.3 (0.0-0.6); latency factor 0.8 (0.6-1.0),
    after [S19] (more, longer kenogen explains rarefaction; finasteride raised hair counts);
    reversal of miniaturisation 0.25 (0-0.5) per anagen entry, after [WHIT99], during the first
    ``reversal_days`` of use (365 d, 120-1100): the trials' treated arms regrow in the first
    year and then hold or slowly lose while the placebo arms keep losing [KAUF98][KAUF02]
    [PRICE06], so the difference grows with the placebo arm's loss, not by further regrowth.
    """

    def __post_init__(self) -> None:
        self.key, self.name, self.option = (
            "finasteride_1mg",
            "Oral finasteride 1 mg",
            "finasteride_1mg",
        )
        self.all_zones = True

    def priors(self) -> dict[str, Prior]:
        return {
            "progression_factor": Prior(
                "finasteride.progression_factor", 0.3, 0.0, 0.6, "1", "uniform", ("S22",), True
            ),
            "latency_factor": Prior(
                "finasteride.latency_factor", 0.8, 0.6, 1.0, "1", "uniform", ("S19",), True
            ),
            "reversal": Prior(
                "finasteride.reversal",
                0.25,
                0.0,
                0.5,
                "fraction reversed per anagen entry",
                "uniform",
                ("WHIT99", "C3"),
                True,
                note=(
                    "direction: biopsies of men after 12 months show more terminal and fewer"
                    " miniaturised hairs than placebo [WHIT99]; size: no source gives a"
                    " per-cycle fraction, so the range is set so that the prior predictive"
                    " spans the reported effects (Van Neste 2000 +17.3, Mella 2010 +24.3 at"
                    " 24 months [C3]). The progression and latency levers alone reach about"
                    " +9.5 hairs/cm² at 48 weeks. Acts only during the reversal window"
                    " (finasteride.reversal_days)"
                ),
            ),
            "reversal_days": Prior(
                "finasteride.reversal_days",
                365.0,
                120.0,
                1100.0,
                "days",
                "lognormal",
                ("KAUF98", "KAUF02", "PRICE06"),
                True,
                note=(
                    "how long after the start of use miniaturisation is still undone. The"
                    " trials' treated arms regrow in the first year and then hold or slowly"
                    " lose: +107 and +138 of 876 hairs vs placebo at 1 and 2 years while the"
                    " placebo arm kept losing [KAUF98], 'durable' over 5 years [KAUF02], +7.2 %"
                    " from baseline at 192 weeks (placebo -13.0 %) [PRICE06]. Without a window"
                    " the model undoes miniaturisation at every anagen entry for as long as the"
                    " drug is taken, and its treated arm kept rising (+29 % of baseline at 192"
                    " weeks, the difference +43.5 % vs +20.3 % reported). Median one year,"
                    " 4 months to 3 years (an assumption); fitted to those visits"
                ),
            ),
            "fade_days": Prior(
                "finasteride.fade_days",
                60.0,
                20.0,
                180.0,
                "days",
                "lognormal",
                ("PRICE06",),
                True,
                note=(
                    "no stopping data in the curated sources; the effect is durable while used"
                    " for 4 years [PRICE06]. Only the anagen gain fades after stopping: the"
                    " pattern loss slowed while used is not made up (model limit)"
                ),
            ),
        }


@dataclass
class LowLevelLaser(_Continuous):
    """Home low-level laser device, ~3 times a week [T108]. Priors (assumptions): latency
    factor 0.7 (0.4-1.0), anagen factor 1.15 (1.0-1.3), reversal 0.3 (0-0.6) per anagen entry."""

    def __post_init__(self) -> None:
        self.key, self.name, self.option = "lllt", "Low-level laser therapy", "lllt"

    def priors(self) -> dict[str, Prior]:
        return {
            "latency_factor": Prior(
                "lllt.latency_factor", 0.7, 0.4, 1.0, "1", "uniform", ("C2", "T111"), True
            ),
            "anagen_factor": Prior("lllt.anagen_factor", 1.15, 1.0, 1.3, "1", "uniform", (), True),
            "reversal": Prior(
                "lllt.reversal",
                0.3,
                0.0,
                0.6,
                "fraction reversed per anagen entry",
                "uniform",
                ("C2", "T111"),
                True,
                note=(
                    "direction assumed (no source on follicle size under laser was found; the"
                    " minoxidil mechanism [MESS04] by analogy); the range is set so that the"
                    " prior predictive spans the pooled effects (+17.4, +17.6 hairs/cm²"
                    " [C2][T111]): the latency and anagen levers alone reach about +6"
                ),
            ),
            "fade_days": Prior(
                "lllt.fade_days",
                30.0,
                10.0,
                90.0,
                "days",
                "lognormal",
                ("PRICE99",),
                True,
                note="no stopping data for lasers: the minoxidil prior, as the mechanism is alike",
            ),
        }


@dataclass
class PRP(Treatment):
    """Platelet-rich plasma: 3 loading sessions a month apart, then one every 6 months [T61].

    0.075 mL/cm² (middle of 0.05-0.1 [T61]) over the pattern-loss zones is the reference dose,
    so each session leaves a relative exposure of 1; the growth-factor response uses the same
    priors as the cell products (an assumption until calibrated).
    """

    loading_sessions: int = 3
    loading_interval_days: float = 30.0
    maintenance_interval_days: float | None = 180.0
    regeneration: RegenerationPriors = field(default_factory=lambda: DEFAULT_PRIORS)

    def __post_init__(self) -> None:
        self.key, self.name, self.option = "prp", "Platelet-rich plasma (PRP)", "prp"

    def session_days(self, horizon_days: float) -> list[float]:
        days = [i * self.loading_interval_days for i in range(self.loading_sessions)]
        if self.maintenance_interval_days:
            t = days[-1] + self.maintenance_interval_days
            while t < horizon_days:
                days.append(t)
                t += self.maintenance_interval_days
        return days

    def modulation(
        self,
        horizon_days: float,
        patient: Patient | None = None,
        rng: np.random.Generator | None = None,
    ) -> Modulation:
        mask = _zone_mask(affected_zones(patient))
        p = self.regeneration.sample(rng) if rng is not None else self.regeneration.median()
        return regenerate(self.session_days(horizon_days), mask, mask, p, horizon_days=horizon_days)

    def priors(self) -> dict[str, Prior]:
        return _regeneration_priors(self.regeneration)


@dataclass
class HairTransplant(Treatment):
    """FUE/FUT hair transplant: moves follicular units from the occipital donor zone on day 0.

    ``grafts`` follicular units (typical session 1,500 [T93]; mean first session 2,347 [T102])
    x 2.2 hairs per unit [T70] follicles are moved, split over the recipient zones by area. The
    donor zone is finite: the engine moves at most the living follicles it has, and the donor
    density falls by what was taken. Graft survival is a prior 0.8 (0.65-0.95), an assumption (no
    survival figure in the cited sources).
    """

    grafts: int = 1500
    donor_zone: str = "occipital"
    recipients: tuple[str, ...] | None = None
    day: float = 0.0

    def __post_init__(self) -> None:
        self.key, self.name, self.option = "transplant", "Hair transplant (FUE/FUT)", "transplant"

    def priors(self) -> dict[str, Prior]:
        return {
            "hairs_per_graft": Prior(
                "transplant.hairs_per_graft", 2.2, 2.2, 2.2, "follicles/FU", "uniform", ("T70",)
            ),
            "survival": Prior(
                "transplant.survival", 0.8, 0.65, 0.95, "fraction", "uniform", (), True
            ),
        }

    def recipient_zones(self, patient: Patient | None) -> tuple[str, ...]:
        if self.recipients:
            return self.recipients
        if patient is not None and patient.sex == "F":
            return ("frontal", "mid_scalp")
        return ("frontal", "mid_scalp", "temporal")

    def modulation(
        self,
        horizon_days: float,
        patient: Patient | None = None,
        rng: np.random.Generator | None = None,
    ) -> Modulation:
        from anagen.therapy.inject import ZONE_AREA_CM2

        p = self.prior_values(rng)
        zones = self.recipient_zones(patient)  # bald recipient zones are the point of a transplant
        total = self.grafts * p["hairs_per_graft"]
        areas = np.array([ZONE_AREA_CM2[z] for z in zones])
        n = np.floor(total * areas / areas.sum()).astype(int)
        tps = tuple(
            Transplant(self.day, self.donor_zone, z, int(k), p["survival"])
            for z, k in zip(zones, n, strict=True)
        )
        return Modulation(t_days=np.zeros(1), transplants=tps)


class CellTherapy(Treatment):
    """A cell or cell-free product given by a protocol file."""

    def __init__(self, protocol: Protocol, *, seed: int = 0, injected_area: bool = False) -> None:
        self.protocol = protocol
        self.key = protocol.product.key
        self.name = protocol.name
        self.option = protocol.product.option
        self.seed = seed
        self.injected_area = injected_area

    def run(self, patient: Patient | None = None) -> ProtocolRun:
        return run_protocol(self.protocol, patient, seed=self.seed)

    def modulation(
        self,
        horizon_days: float,
        patient: Patient | None = None,
        rng: np.random.Generator | None = None,
    ) -> Modulation:
        params = DEFAULT_PRIORS.sample(rng) if rng is not None else None
        return self.run(patient).modulation(horizon_days, params, injected_area=self.injected_area)

    def priors(self) -> dict[str, Prior]:
        return _regeneration_priors(DEFAULT_PRIORS)


def standard_options() -> list[Treatment]:
    """The alternatives compared by ``anagen therapy compare`` (besides the cell protocols)."""
    return [
        NoTreatment(),
        Minoxidil(strength_percent=2.0),
        Minoxidil(strength_percent=5.0),
        Finasteride(),
        PRP(),
        LowLevelLaser(),
        HairTransplant(),
    ]

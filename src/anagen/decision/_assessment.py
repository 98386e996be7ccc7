"""The answer for one person: :class:`Assessment` and its parts, typed and frozen.

Every part is a frozen dataclass of numbers, text, tuples and other parts, so the answer can be
stored (``to_dict``; the registry), sent (the web API) and read back (``from_dict``) as the same
object. :data:`SCHEMA_VERSION` changes whenever a field is added, removed or changes meaning.
:class:`Provenance` records what is needed to recompute the answer bit for bit: the patient,
the model version, the parameter source, the seed and settings, and the checksums of the data.
Timings are not part of the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from anagen.decision._codec import from_plain, to_plain
from anagen.errors import InputError
from anagen.therapy.candidacy import Candidacy
from anagen.therapy.patient import Patient

if TYPE_CHECKING:  # pragma: no cover
    from anagen.evidence import EvidenceSummary

__all__ = [
    "SCHEMA_VERSION",
    "Assessment",
    "Certainty",
    "Chance",
    "Cost",
    "Durability",
    "EvidenceRow",
    "Horizon",
    "Interval",
    "OptionAssessment",
    "Provenance",
    "PublishedEstimate",
    "SideEffect",
    "Trajectory",
]

#: Version of the stored form (``Assessment.to_dict``); bump on any change of fields or meaning.
SCHEMA_VERSION = 4

#: The numbers of a :class:`Horizon` that no face shows past the trials' follow-up. In the JSON
#: form (:meth:`Assessment.to_dict`, since schema 3) a horizon with ``known: false`` has them null and
#: keeps the model's values under ``model_extrapolation``, labelled, so that no reader of the
#: JSON takes an extrapolation for a prediction.
_WITHHELD_FIELDS = ("effect_vs_none", "change_vs_today", "p_visible", "added", "p_visible_added")
_EXTRAPOLATION_NOTE = (
    "the model's numbers past the longest follow-up of this option's trials (or for an option "
    "this person may not have): not a prediction, shown by no face"
)
#: The chance of a visible gain of a :class:`Horizon` with ``chance_known: false`` (the option's
#: trials did not enrol people like this person; schema 4): null in the JSON form, the model's
#: values kept under ``model_extrapolation`` in the same way.
_CHANCE_FIELDS = ("p_visible", "p_visible_added")
_CHANCE_NOTE = (
    "the model's chance of a visible gain for a person unlike those this option's trials "
    "enrolled: not a prediction, shown by no face"
)

Kind = Literal["stem-cell", "alternative", "combination", "no treatment"]
Source = Literal["posterior", "prior"]


@dataclass(frozen=True, slots=True)
class Interval:
    """Median and 80 % interval (10th to 90th percentile) over draws."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, x: np.ndarray) -> Interval:
        lo, med, hi = np.quantile(np.asarray(x, dtype=float), (0.1, 0.5, 0.9))
        return cls(float(med), float(lo), float(hi))

    def text(self, unit: str = "") -> str:
        u = f" {unit}" if unit else ""
        return f"{self.median:+.1f}{u} (80% interval {self.low:+.1f} to {self.high:+.1f})"

    def overlaps(self, other: Interval) -> bool:
        return self.low <= other.high and other.low <= self.high


@dataclass(frozen=True, slots=True)
class Chance:
    """A probability estimated from ``n`` Monte-Carlo draws.

    :meth:`text` never prints 0 % or 100 %: below 5 % it reads "<5%", above 95 % ">95%" (with
    30-200 draws the Monte-Carlo error near the ends is a few percentage points).
    """

    p: float
    n: int

    @property
    def mc_error(self) -> float:
        """Monte-Carlo standard error, sqrt(p(1-p)/n)."""
        return float(np.sqrt(self.p * (1 - self.p) / self.n)) if self.n else float("nan")

    def text(self) -> str:
        if self.p < 0.05:
            return "<5%"
        if self.p > 0.95:
            return ">95%"
        return f"{100 * self.p:.0f}%"

    def people_text(self) -> str:
        """The chance as people out of 100, never none or all of them."""
        if self.p < 0.05:
            return "fewer than 5 in 100"
        if self.p > 0.95:
            return "more than 95 in 100"
        return f"about {100 * self.p:.0f} in 100"

    def out_of_100(self) -> int:
        """People out of 100 for an icon array, kept off 0 and 100 like :meth:`text`."""
        return int(min(99, max(1, round(100 * self.p))))


@dataclass(frozen=True, slots=True)
class Horizon:
    """The prediction at one time after the start of treatment."""

    month: int
    effect_vs_none: Interval  # hairs per cm², treated minus untreated
    change_vs_today: Interval  # hairs per cm², treated minus today's
    p_visible: Chance  # chance that the effect reaches the visible threshold
    #: False past the longest follow-up of the option's trials: the numbers above are the
    #: model's extrapolation and every face shows :attr:`unknown_text` instead
    known: bool = True
    unknown_text: str = ""
    #: an option added to what the person uses now: the gain over that (paired per draw) and
    #: the chance that it reaches the visible threshold
    added: Interval | None = None
    p_visible_added: Chance | None = None
    #: False when the option's trials did not enrol people like this person: the chances above
    #: are the model's extrapolation to people the trials did not study, and every face shows
    #: :attr:`chance_unknown_text` instead (the effects stay, marked as an extrapolation)
    chance_known: bool = True
    chance_unknown_text: str = ""

    @property
    def unknown_reason(self) -> str:
        """Why the numbers are withheld: :attr:`unknown_text` without its "unknown: " (for a
        sentence or a footnote that already says so)."""
        return self.unknown_text.removeprefix("unknown: ")

    @property
    def chance_withheld(self) -> str:
        """Why no face shows the chance of a visible gain at this month ("": it is shown): the
        horizon's own reason when all its numbers are withheld, else the chance's."""
        if not self.known:
            return self.unknown_text
        return "" if self.chance_known else self.chance_unknown_text


@dataclass(frozen=True, slots=True)
class Trajectory:
    """Fan of the outcome over months: 10th, 50th and 90th percentile over draws."""

    months: tuple[float, ...]
    p10: tuple[float, ...]
    p50: tuple[float, ...]
    p90: tuple[float, ...]

    @classmethod
    def of(cls, months: np.ndarray, dens: np.ndarray) -> Trajectory:
        q = np.quantile(dens, (0.1, 0.5, 0.9), axis=0)
        return cls(*(tuple(float(v) for v in a) for a in (months, *q)))


@dataclass(frozen=True, slots=True)
class Cost:
    """Total cost over the course (USD, cited price ranges) and cost per hair per cm² gained."""

    low: float | None
    high: float | None
    basis: str
    over_months: int
    sources: tuple[str, ...]
    certainty: str
    per_hair_low: float | None
    per_hair_high: float | None
    per_hair_note: str

    def text(self) -> str:
        if self.low is None or self.high is None:
            return "not computed"
        if round(self.low) == round(self.high):
            return f"${self.low:,.0f}"
        return f"${self.low:,.0f}-{self.high:,.0f}"


@dataclass(frozen=True, slots=True)
class Durability:
    """How long the benefit lasts after the treatment stops."""

    treatment_stops_month: float
    share_ever_above_today: float
    share_above_today_at_horizon: float
    return_to_today_month: Interval | None
    advantage_fades_month: float | None
    horizon_month: int
    longest_follow_up_weeks: float | None  # longest follow-up of a trial of this option
    text: str


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One graded analysis of the bundled studies behind an option."""

    analysis: str
    certainty: str
    k: int
    n: int
    statement: str


@dataclass(frozen=True, slots=True)
class PublishedEstimate:
    """A published pooled or trial effect (hairs per cm² unless ``scale`` says otherwise)."""

    treatment: str
    comparison: str
    estimate: float
    ci_low: float
    ci_high: float
    scale: str
    citation: str


@dataclass(frozen=True, slots=True)
class Certainty:
    """How sure we are, number by number."""

    model_numbers: str
    rating: str
    short: str
    evidence: tuple[EvidenceRow, ...]
    studies_by_product: tuple[str, ...]
    published: tuple[PublishedEstimate, ...]
    note: str | None
    cost: str
    downtime_and_side_effects: str


@dataclass(frozen=True, slots=True)
class SideEffect:
    effect: str
    frequency: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OptionAssessment:
    """One option for one person."""

    key: str
    name: str
    option: str  # product family (anagen.therapy.option_info key)
    kind: Kind
    target_zone: str  # zone of the option's 1 cm² target area (where it acts)
    baseline: Interval  # today's count in that area (hairs per cm²)
    visible_threshold: float  # hairs per cm² a gain must reach to count as visible
    horizons: tuple[Horizon, ...]
    durability: Durability
    cost: Cost
    downtime: str
    side_effects: tuple[SideEffect, ...]
    regulatory_us: str
    regulatory_eu: str
    candidacy: Candidacy
    certainty: Certainty
    sources: tuple[str, ...]
    verdict: str
    trajectory: Trajectory
    #: why its trials did not enrol people like this one (empty: they did, or not in sources);
    #: non-empty: every number is an extrapolation and the option is never the headline
    extrapolation: tuple[str, ...] = ()
    #: key and name of what the option is compared with ("none"; for an option added to what
    #: the person uses now, that treatment)
    comparator: str = "none"
    comparator_name: str = "No treatment"
    #: longest follow-up (weeks) of the trials behind the option (None: none in the sources)
    follow_up_weeks: float | None = None
    #: paired difference from the leader of its headline group at 12 months (None: not ranked)
    vs_leader: Interval | None = None
    #: where the option stands in the headline rule, in words
    standing: str = ""

    def at(self, month: int) -> Horizon:
        for h in self.horizons:
            if h.month == month:
                return h
        raise KeyError(f"no horizon at month {month}; have {[h.month for h in self.horizons]}")

    @property
    def effect_vs_none(self) -> dict[int, Interval]:
        return {h.month: h.effect_vs_none for h in self.horizons}

    @property
    def change_vs_baseline(self) -> dict[int, Interval]:
        return {h.month: h.change_vs_today for h in self.horizons}

    @property
    def p_visible(self) -> dict[int, float | None]:
        """The chance every face shows, per month (None: withheld, see :meth:`shown_chance`)."""
        return {h.month: c.p if (c := self.shown_chance(h.month)) else None for h in self.horizons}

    @property
    def months_known(self) -> int | None:
        """Last month the trials behind the option followed patients to (None: every month,
        no treatment; 0: none, or the option is not open to this person)."""
        if self.key == "none":
            return None
        if not self.safe:  # no number for an option the person may not have
            return 0
        from anagen.decision._assess_window import known_months

        return known_months(self.follow_up_weeks)

    def shown(self, month: int) -> Interval | None:
        """The effect every face shows at ``month``: the gain over what the person uses now for
        an add-on, else over no treatment; None past the trials' follow-up (withheld)."""
        h = self.at(month)
        if not h.known:
            return None
        return h.added if (self.is_add_on and h.added is not None) else h.effect_vs_none

    def shown_chance(self, month: int) -> Chance | None:
        """The chance of a visible improvement every face shows (None: withheld past the trials'
        follow-up, for an option not open to this person, or when its trials did not enrol
        people like this person; :attr:`Horizon.chance_withheld` says why)."""
        h = self.at(month)
        if not (h.known and h.chance_known):
            return None
        return h.p_visible_added if (self.is_add_on and h.p_visible_added) else h.p_visible

    def effect_text(self, month: int, *, brackets: bool = False) -> str:
        """:meth:`shown` as text (``+1.0 (-2.0 to +3.0)``; ``brackets``: ``+1.0 [-2.0, +3.0]``),
        or the reason it is withheld."""
        iv = self.shown(month)
        if iv is None:
            return self.at(month).unknown_text
        if brackets:
            return f"{iv.median:+.1f} [{iv.low:+.1f}, {iv.high:+.1f}]"
        return f"{iv.median:+.1f} ({iv.low:+.1f} to {iv.high:+.1f})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``options`` items of :meth:`Assessment.to_dict`): a withheld
        horizon's numbers, and a withheld chance of a visible gain, are null and kept apart
        under ``model_extrapolation``."""
        d = to_plain(self)
        for h in d["horizons"]:
            if not h["known"]:
                note, withheld = _EXTRAPOLATION_NOTE, _WITHHELD_FIELDS
            elif not h["chance_known"]:
                note, withheld = _CHANCE_NOTE, _CHANCE_FIELDS
            else:
                continue
            h["model_extrapolation"] = {"note": note, **{k: h[k] for k in withheld}}
            h.update(dict.fromkeys(withheld))
        return d

    @property
    def is_add_on(self) -> bool:
        """Added to what the person uses now (compared with that, not with no treatment)."""
        return self.comparator != "none"

    @property
    def safe(self) -> bool:
        """Not excluded by a contraindication or the candidacy rules."""
        return self.candidacy.status != "not_eligible"


@dataclass(frozen=True, slots=True)
class Provenance:
    """What reproduces the answer bit for bit (with the same ``anagen`` version)."""

    schema_version: int
    model_version: str
    parameter_source: Source
    parameter_source_text: str
    seed: int
    n_draws: int
    n_follicles: int
    n_scalps: int
    horizon_months: int
    course_months: int
    months: tuple[int, ...]  # reporting months
    engine: str
    protocols: tuple[str, ...]
    options: tuple[str, ...]
    data_checksums: tuple[tuple[str, str], ...]  # (file or object, sha256)


@dataclass(frozen=True)
class Assessment:
    """The assessment of one person (:func:`anagen.decision.assess_patient`)."""

    patient: Patient
    outcome: str
    unit: str
    zones: tuple[str, ...]  # zones of pattern loss (the scalp maps)
    target_zone: str  # zone of the 1 cm² target area of the outcome
    baseline_density: Interval
    options: tuple[OptionAssessment, ...]
    headline: tuple[str, ...]  # option keys named in the verdict, safest-first rule
    verdict: tuple[str, ...]
    not_modelled: tuple[str, ...]
    evidence_certainty: str  # overall GRADE certainty for stem-cell therapy ("not assessed")
    visible_definition: str
    visible_threshold: float  # hairs per cm²
    durability_definition: str
    provenance: Provenance
    disclaimer: str
    schema_version: int = SCHEMA_VERSION
    evidence: EvidenceSummary | None = field(
        default=None, repr=False, compare=False, metadata={"plain": False}
    )
    #: scalp trajectories at the parameter medians for the report's scalp maps (not stored)
    map_runs: dict[str, Any] = field(
        default_factory=dict, repr=False, compare=False, metadata={"plain": False}
    )

    def option(self, key: str) -> OptionAssessment:
        for o in self.options:
            if o.key == key:
                return o
        raise KeyError(key)

    @property
    def parameter_source(self) -> str:
        return self.provenance.parameter_source_text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; :meth:`from_dict` reads it back as an equal object."""
        d = to_plain(self)
        d["options"] = [o.to_dict() for o in self.options]
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Assessment:
        """Read :meth:`to_dict` output.

        Raises
        ------
        InputError
            For another schema version or a field that does not fit (named by its path).
        """
        if not isinstance(data, dict):
            raise InputError(field="assessment", allowed="a mapping", got=type(data).__name__)
        v = data.get("schema_version")
        if v != SCHEMA_VERSION:
            raise InputError(field="schema_version", allowed=str(SCHEMA_VERSION), got=v)
        return from_plain(cls, _with_extrapolations(data))


def _with_extrapolations(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON form with each horizon's ``model_extrapolation`` (its withheld numbers, or its
    withheld chance) put back in place (the inverse of what :meth:`Assessment.to_dict` does)."""
    options = data.get("options")
    if not isinstance(options, list):
        return data
    out = dict(data, options=[])
    for o in options:
        if isinstance(o, dict) and isinstance(o.get("horizons"), list):
            hs = []
            for h in o["horizons"]:
                if isinstance(h, dict) and isinstance(h.get("model_extrapolation"), dict):
                    m = h["model_extrapolation"]
                    h = {k: v for k, v in h.items() if k != "model_extrapolation"}
                    h.update({k: m[k] for k in _WITHHELD_FIELDS if k in m})
                hs.append(h)
            o = dict(o, horizons=hs)
        out["options"].append(o)
    return out

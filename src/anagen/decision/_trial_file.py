"""The virtual-trial file: population, arms, design, outcome, analysis — validated.

A trial is a TOML file (documented in ``docs/trials.md``; examples in
``anagen/decision/data/trials/``)::

    [trial]
    name = "ADSC (STYLE low-dose protocol) vs placebo"
    design = "parallel"            # parallel | split-scalp
    alpha = 0.05                   # two-sided significance level, (0, 0.5]
    trials = 200                   # simulated trials, [1, 100000]
    seed = 1                       # one seed, one answer

    [population]
    age = [18, 64]                 # years, uniform in [min, max], within [18, 120]
    male_fraction = 0.76           # share of men, [0, 1]
    stages_male = ["III", "IVa"]   # Norwood-Hamilton range (patient-file names, inclusive)
    stages_female = ["I-3", "II-2"]  # Ludwig / Savin range (patient-file names, inclusive)
    years_since_onset = [1, 20]    # optional; recorded on each virtual patient

    [[arms]]                       # exactly two: arms[0] treated, arms[1] control
    name = "ADSC low dose"
    treatment = "style_low_dose"   # shipped protocol, protocol file, alternative or placebo
    n = 24                         # patients per arm, >= 2

    [outcome]
    zone = "frontal"               # target zone of the phototrichogram
    measure = "change"             # change (terminal hairs/cm2) | percent_change
    follow_up_weeks = 24

    [model]                        # optional
    follicles = 6000               # simulated follicles per virtual scalp, [1000, 100000]
    parameters = "per_patient"     # per_patient | per_trial | median
    source = "prior"               # prior | posterior (the calibrated posterior draws)

Every problem is an :class:`anagen.errors.InputError` naming the key
(``'arms[1].n' must be >= 2, got 1``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from anagen.errors import InputError

__all__ = [
    "ALTERNATIVES",
    "Arm",
    "TrialSpec",
    "load_trial",
    "trial_from_dict",
    "trial_paths",
]

#: Alternatives accepted as an arm's ``treatment`` (besides protocol names and files).
ALTERNATIVES = (
    "placebo",
    "none",
    "minoxidil_2",
    "minoxidil_5",
    "finasteride_1mg",
    "prp",
    "lllt",
)
_DESIGNS = ("parallel", "split-scalp")
_MEASURES = ("change", "percent_change")
_PARAMETERS = ("per_patient", "per_trial", "median")
_SOURCES = ("prior", "posterior")
_SECTIONS = {
    "trial": {"name", "design", "alpha", "trials", "seed", "notes", "sources"},
    "population": {"age", "male_fraction", "stages_male", "stages_female", "years_since_onset"},
    "outcome": {"zone", "measure", "follow_up_weeks"},
    "model": {"follicles", "parameters", "source"},
}
_ARM_KEYS = {"name", "treatment", "n"}
#: Default simulated follicles per virtual scalp (see docs/trials.md for the justification).
DEFAULT_FOLLICLES = 6000


@dataclass(frozen=True)
class Arm:
    """One arm: a label, what it gets (protocol name/file, alternative or placebo) and its size."""

    name: str
    treatment: str
    n: int


@dataclass(frozen=True)
class TrialSpec:
    """A validated virtual trial. Build with :func:`load_trial` or :func:`trial_from_dict`."""

    name: str
    design: str
    alpha: float
    trials: int
    seed: int
    age: tuple[float, float]
    male_fraction: float
    stages_male: tuple[str, ...]  # every stage in the range, patient-file names
    stages_female: tuple[str, ...]
    years_since_onset: tuple[float, float] | None
    arms: tuple[Arm, Arm]
    zone: str
    measure: str
    follow_up_weeks: float
    follicles: int = DEFAULT_FOLLICLES
    parameters: str = "per_patient"
    source: str = "prior"  # prior | posterior (anagen.decision.load_posterior)
    notes: str = ""
    sources: tuple[str, ...] = ()
    base_dir: str = "."  # folder of the file, for relative protocol paths

    @property
    def horizon_days(self) -> float:
        return self.follow_up_weeks * 7.0

    def with_(self, **changes: Any) -> TrialSpec:
        """A copy with some fields changed (e.g. ``n`` per arm, ``trials``, ``seed``)."""
        from dataclasses import replace

        n = changes.pop("n", None)
        spec = replace(self, **changes)
        if n is not None:
            if isinstance(n, bool) or not isinstance(n, int) or n < 2:
                raise InputError(field="n", allowed="an integer >= 2", got=n)
            spec = replace(spec, arms=tuple(replace(a, n=n) for a in spec.arms))
        if isinstance(spec.trials, bool) or not isinstance(spec.trials, int):
            raise InputError(field="trials", allowed="an integer in [1, 100000]", got=spec.trials)
        if not 1 <= spec.trials <= 100_000:
            raise InputError(field="trials", allowed="in [1, 100000]", got=spec.trials)
        if isinstance(spec.seed, bool) or not isinstance(spec.seed, int) or spec.seed < 0:
            raise InputError(field="seed", allowed="an integer >= 0", got=spec.seed)
        return spec

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("base_dir")
        return d


def trial_paths() -> dict[str, Path]:
    """The shipped trial files, by file stem."""
    folder = Path(str(resources.files("anagen.decision").joinpath("data", "trials")))
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def load_trial(path_or_name: str | Path) -> TrialSpec:
    """Read and validate a trial TOML file, or a shipped trial by name (``adsc_vs_placebo``)."""
    p = Path(path_or_name)
    if not p.is_file():
        shipped = trial_paths()
        if str(path_or_name) in shipped:
            p = shipped[str(path_or_name)]
        else:
            raise InputError(
                field="TRIAL",
                allowed=f"an existing TOML file or a shipped trial ({', '.join(shipped)})",
                got=str(path_or_name),
            )
    from anagen._io import read_toml_file

    data = read_toml_file(p)
    try:
        return trial_from_dict(data, base_dir=str(p.parent))
    except InputError as exc:
        raise InputError(
            exc.detail, field=exc.field, allowed=exc.allowed, got=exc.got, file=str(p)
        ) from None


# --- validation helpers ------------------------------------------------------------------------


def _number(v: Any, field: str, lo: float, hi: float, *, lo_open: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise InputError(field=field, allowed="a number", got=v)
    bad = v <= lo if lo_open else v < lo
    if bad or v > hi:
        left = "(" if lo_open else "["
        raise InputError(field=field, allowed=f"in {left}{lo:g}, {hi:g}]", got=v)
    return float(v)


def _integer(v: Any, field: str, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise InputError(field=field, allowed="an integer", got=v)
    if v < lo:
        raise InputError(field=field, allowed=f">= {lo}", got=v)
    if v > hi:
        raise InputError(field=field, allowed=f"<= {hi}", got=v)
    return v


def _range(v: Any, field: str, lo: float, hi: float) -> tuple[float, float]:
    if not isinstance(v, list) or len(v) != 2:
        raise InputError(field=field, allowed=f"a [min, max] pair within [{lo:g}, {hi:g}]", got=v)
    a = _number(v[0], f"{field}[0]", lo, hi)
    b = _number(v[1], f"{field}[1]", lo, hi)
    if a > b:
        raise InputError(field=field, allowed="[min, max] with min <= max", got=v)
    return a, b


def _string(v: Any, field: str, choices: tuple[str, ...] | None = None) -> str:
    if not isinstance(v, str) or not v.strip():
        allowed = f"one of {', '.join(choices)}" if choices else "a non-empty string"
        raise InputError(field=field, allowed=allowed, got=v)
    if choices is not None and v not in choices:
        raise InputError(field=field, allowed=f"one of {', '.join(choices)}", got=v)
    return v


def _stage_range(v: Any, field: str, names: tuple[str, ...]) -> tuple[str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or len(v) != 2:
        raise InputError(
            field=field, allowed=f"a [first, last] pair of stages among {', '.join(names)}", got=v
        )
    for k, s in enumerate(v):
        if s not in names:
            raise InputError(field=f"{field}[{k}]", allowed=f"one of {', '.join(names)}", got=s)
    i, j = names.index(v[0]), names.index(v[1])
    if i > j:
        raise InputError(
            field=field, allowed=f"[first, last] in the order {', '.join(names)}", got=v
        )
    return names[i : j + 1]


def _check_keys(section: dict, allowed: set[str], where: str) -> None:
    for k in section:
        if k not in allowed:
            raise InputError(
                field=f"{where}.{k}",
                allowed=f"absent: not a known key (known: {', '.join(sorted(allowed))})",
            )


def _section(data: dict, name: str, required: bool = True) -> dict:
    sec = data.get(name)
    if sec is None:
        if required:
            raise InputError(field=f"[{name}]", allowed="present (it is required)")
        return {}
    if not isinstance(sec, dict):
        raise InputError(field=f"[{name}]", allowed="a table", got=sec)
    _check_keys(sec, _SECTIONS[name], name)
    return sec


def _require(sec: dict, key: str, where: str) -> Any:
    if key not in sec:
        raise InputError(field=f"{where}.{key}", allowed="present (it is required)")
    return sec[key]


def _check_treatment(v: Any, field: str, base_dir: str) -> str:
    from anagen.therapy import protocol_paths

    v = _string(v, field)
    shipped = protocol_paths()
    if v in ALTERNATIVES or v in shipped:
        return v
    p = Path(v) if Path(v).is_absolute() else Path(base_dir) / v
    if v.endswith(".toml") and p.is_file():
        from anagen.therapy import load_protocol

        load_protocol(p)  # its own errors name the protocol key
        return str(p.resolve())
    raise InputError(
        field=field,
        allowed=(
            "a shipped protocol ("
            + ", ".join(shipped)
            + "), an existing protocol .toml file, or one of "
            + ", ".join(ALTERNATIVES)
        ),
        got=v,
    )


def trial_from_dict(data: dict[str, Any], *, base_dir: str = ".") -> TrialSpec:
    """Validate a parsed trial file; the first problem is raised as an :class:`InputError`."""
    from anagen.scalp import ZONE_NAMES
    from anagen.therapy.patient import MEN_STAGES, WOMEN_STAGES

    if not isinstance(data, dict):
        raise InputError(field="(file)", allowed="a TOML table", got=data)
    for k in data:
        if k not in {*_SECTIONS, "arms"}:
            raise InputError(
                field=k,
                allowed="absent: not a known section (trial, population, arms, outcome, model)",
            )
    tr = _section(data, "trial")
    name = _string(_require(tr, "name", "trial"), "trial.name")
    design = _string(tr.get("design", "parallel"), "trial.design", _DESIGNS)
    alpha = _number(tr.get("alpha", 0.05), "trial.alpha", 0.0, 0.5, lo_open=True)
    trials = _integer(tr.get("trials", 200), "trial.trials", 1, 100_000)
    seed = _integer(tr.get("seed", 0), "trial.seed", 0, 2**63 - 1)
    notes = tr.get("notes", "")
    if not isinstance(notes, str):
        raise InputError(field="trial.notes", allowed="a string", got=notes)
    sources = tr.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise InputError(field="trial.sources", allowed="a list of source tags", got=sources)

    po = _section(data, "population")
    age = _range(_require(po, "age", "population"), "population.age", 18.0, 120.0)
    male_fraction = _number(po.get("male_fraction", 1.0), "population.male_fraction", 0.0, 1.0)
    stages_male = _stage_range(po.get("stages_male"), "population.stages_male", MEN_STAGES)
    stages_female = _stage_range(po.get("stages_female"), "population.stages_female", WOMEN_STAGES)
    if male_fraction > 0 and not stages_male:
        raise InputError(field="population.stages_male", allowed="present when male_fraction > 0")
    if male_fraction < 1 and not stages_female:
        raise InputError(field="population.stages_female", allowed="present when male_fraction < 1")
    yso = po.get("years_since_onset")
    years_since_onset = None
    if yso is not None:
        years_since_onset = _range(yso, "population.years_since_onset", 0.0, 100.0)
        if years_since_onset[0] > age[1]:
            raise InputError(
                field="population.years_since_onset[0]",
                allowed=f"<= the oldest age ({age[1]:g})",
                got=years_since_onset[0],
            )

    arms_raw = data.get("arms")
    if not isinstance(arms_raw, list) or len(arms_raw) != 2:
        got = len(arms_raw) if isinstance(arms_raw, list) else arms_raw
        raise InputError(
            field="arms", allowed="exactly two [[arms]] tables (treated, then control)", got=got
        )
    arms = []
    for i, a in enumerate(arms_raw):
        where = f"arms[{i}]"
        if not isinstance(a, dict):
            raise InputError(field=where, allowed="a table", got=a)
        _check_keys(a, _ARM_KEYS, where)
        treatment = _check_treatment(
            _require(a, "treatment", where), f"{where}.treatment", base_dir
        )
        arm_name = _string(a.get("name", a["treatment"]), f"{where}.name")
        n = _integer(_require(a, "n", where), f"{where}.n", 2, 100_000)
        arms.append(Arm(arm_name, treatment, n))
    if design == "split-scalp" and arms[0].n != arms[1].n:
        raise InputError(
            field="arms[1].n",
            allowed=f"equal to arms[0].n ({arms[0].n}) in a split-scalp trial",
            got=arms[1].n,
        )

    oc = _section(data, "outcome")
    zone = _string(_require(oc, "zone", "outcome"), "outcome.zone", tuple(ZONE_NAMES))
    measure = _string(oc.get("measure", "change"), "outcome.measure", _MEASURES)
    weeks = _number(
        _require(oc, "follow_up_weeks", "outcome"),
        "outcome.follow_up_weeks",
        0.0,
        520.0,
        lo_open=True,
    )

    mo = _section(data, "model", required=False)
    follicles = _integer(mo.get("follicles", DEFAULT_FOLLICLES), "model.follicles", 1000, 100_000)
    parameters = _string(mo.get("parameters", "per_patient"), "model.parameters", _PARAMETERS)
    source = _string(mo.get("source", "prior"), "model.source", _SOURCES)
    if source == "posterior" and parameters == "median":
        raise InputError(
            field="model.parameters",
            allowed="per_patient or per_trial with source = 'posterior' (posterior draws)",
            got=parameters,
        )

    return TrialSpec(
        name=name,
        design=design,
        alpha=alpha,
        trials=trials,
        seed=seed,
        age=age,
        male_fraction=male_fraction,
        stages_male=stages_male,
        stages_female=stages_female,
        years_since_onset=years_since_onset,
        arms=(arms[0], arms[1]),
        zone=zone,
        measure=measure,
        follow_up_weeks=weeks,
        follicles=follicles,
        parameters=parameters,
        source=source,
        notes=notes,
        sources=tuple(sources),
        base_dir=base_dir,
    )

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

    [[arms]]                       # 2 to 4 arms; the control is `trial.control` (default: last)
    name = "ADSC low dose"
    treatment = "style_low_dose"   # shipped protocol, protocol file, alternative, topical or placebo
    n = 24                         # patients per arm, >= 2
    # concentration = 1.0          # topical only: exposure as a multiple of the calibration's
    #                              # reference (Tak 2020's extract = 1), (0, 100]
    # use_weeks = 16               # daily products: weeks of use (default: to the last visit)

    [outcome]
    zone = "frontal"               # zone of the re-found (tattooed) 1 cm2 target area
    measure = "change"             # change (terminal hairs/cm2) | percent_change
    follow_up_weeks = 24           # the primary visit
    visits_weeks = [6, 12, 24]     # optional: every visit (a time course per arm)

    [analysis]                     # optional
    subgroups = ["sex", "stage"]   # effect and power within each sex / stage

    [model]                        # optional
    parameters = "per_patient"     # per_patient | per_trial | median (prior only)
    source = "posterior"           # posterior (calibrated draws, the default) | prior
    max_pool = 20000               # most simulated patients per arm (see docs/trials.md)

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
    "topical",
)
#: Alternatives taken every day (``use_weeks`` applies); ``topical`` also takes ``concentration``.
DAILY = ("minoxidil_2", "minoxidil_5", "finasteride_1mg", "lllt", "topical")
_DESIGNS = ("parallel", "split-scalp")
_MEASURES = ("change", "percent_change")
_PARAMETERS = ("per_patient", "per_trial", "median")
_SOURCES = ("prior", "posterior")
_SECTIONS = {
    "trial": {"name", "design", "alpha", "trials", "seed", "notes", "sources", "control"},
    "population": {"age", "male_fraction", "stages_male", "stages_female", "years_since_onset"},
    "outcome": {"zone", "measure", "follow_up_weeks", "visits_weeks"},
    "analysis": {"subgroups"},
    "model": {"follicles", "parameters", "source", "max_pool"},
}
_ARM_KEYS = {"name", "treatment", "n", "concentration", "use_weeks"}
_SUBGROUPS = ("sex", "stage")
#: Kept for old files: virtual patients are now the follicles of the target area only.
DEFAULT_FOLLICLES = 6000
#: Default cap on simulated patients per arm (the pool the simulated trials draw from).
DEFAULT_MAX_POOL = 20_000
MAX_ARMS = 4


@dataclass(frozen=True)
class Arm:
    """One arm: a label, what it gets (protocol name/file, alternative or placebo) and its size."""

    name: str
    treatment: str
    n: int
    concentration: float = 1.0  # topical: multiple of the calibration's reference exposure
    use_weeks: float | None = None  # daily products: weeks of use (None: to the last visit)


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
    arms: tuple[Arm, ...]
    zone: str
    measure: str
    follow_up_weeks: float
    follicles: int = DEFAULT_FOLLICLES
    parameters: str = "per_patient"
    source: str = "posterior"  # posterior (anagen.decision.load_posterior) | prior
    notes: str = ""
    sources: tuple[str, ...] = ()
    base_dir: str = "."  # folder of the file, for relative protocol paths
    control: int = -1  # index of the control arm (normalised to a non-negative index)
    visits_weeks: tuple[float, ...] = ()  # every visit, sorted (includes follow_up_weeks)
    subgroups: tuple[str, ...] = ()
    max_pool: int = DEFAULT_MAX_POOL

    def __post_init__(self) -> None:
        if self.control < 0:
            object.__setattr__(self, "control", len(self.arms) + self.control)
        if not self.visits_weeks:
            object.__setattr__(self, "visits_weeks", (float(self.follow_up_weeks),))

    @property
    def horizon_days(self) -> float:
        return max(self.visits_weeks) * 7.0

    @property
    def primary_visit(self) -> int:
        """Index of the primary visit (``follow_up_weeks``) in ``visits_weeks``."""
        return self.visits_weeks.index(float(self.follow_up_weeks))

    @property
    def compared(self) -> tuple[int, ...]:
        """The arms compared with the control, in file order (the first is the primary)."""
        return tuple(i for i in range(len(self.arms)) if i != self.control)

    def with_(self, **changes: Any) -> TrialSpec:
        """A copy with some fields changed (e.g. ``n`` per arm, ``trials``, ``seed``)."""
        from dataclasses import replace

        n = changes.pop("n", None)
        spec = replace(self, **changes)
        if n is not None:
            if isinstance(n, bool) or not isinstance(n, int) or n < 2:
                raise InputError(field="n", allowed="an integer >= 2", got=n)
            spec = replace(spec, arms=tuple(replace(a, n=n) for a in spec.arms))
        if spec.source not in _SOURCES:
            raise InputError(field="source", allowed="posterior or prior", got=spec.source)
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
    allowed = (
        "a shipped protocol ("
        + ", ".join(shipped)
        + "), one of "
        + ", ".join(ALTERNATIVES)
        + ", or a protocol .toml file inside the trial file's folder (relative path, no '..')"
    )
    rel = Path(v)
    if not v.endswith(".toml") or rel.is_absolute() or ".." in rel.parts or "\x00" in v:
        raise InputError(field=field, allowed=allowed, got=v)
    folder = Path(base_dir).resolve()
    p = (folder / rel).resolve()  # follows symlinks: a link pointing out of the folder is refused
    if not p.is_relative_to(folder) or not p.is_file():
        raise InputError(field=field, allowed=allowed, got=v)
    from anagen.therapy import load_protocol

    try:
        load_protocol(p)
    except InputError:  # never quote another file's content in this file's error
        raise InputError(
            field=field,
            allowed=f"a valid protocol file (check it with: anagen therapy show {v})",
            got=v,
        ) from None
    return str(p)


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
                allowed="absent: not a known section (trial, population, arms, outcome, "
                "analysis, model)",
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
    visits = _visits(oc.get("visits_weeks"), weeks)

    arms_raw = data.get("arms")
    if not isinstance(arms_raw, list) or not 2 <= len(arms_raw) <= MAX_ARMS:
        got = len(arms_raw) if isinstance(arms_raw, list) else arms_raw
        raise InputError(
            field="arms",
            allowed=f"2 to {MAX_ARMS} [[arms]] tables (one of them the control)",
            got=got,
        )
    arms = [_arm(a, i, base_dir, max(visits)) for i, a in enumerate(arms_raw)]
    names = [a.name for a in arms]
    for i, nm in enumerate(names):
        if nm in names[:i]:
            raise InputError(field=f"arms[{i}].name", allowed="a name no other arm has", got=nm)
    ctrl = tr.get("control", names[-1])
    if ctrl not in names:
        raise InputError(
            field="trial.control", allowed=f"the name of an arm ({', '.join(names)})", got=ctrl
        )
    control = names.index(ctrl)
    if design == "split-scalp":
        if len(arms) != 2:
            raise InputError(
                field="arms",
                allowed="exactly two arms (one per half) in a split-scalp trial",
                got=len(arms),
            )
        if arms[0].n != arms[1].n:
            raise InputError(
                field="arms[1].n",
                allowed=f"equal to arms[0].n ({arms[0].n}) in a split-scalp trial",
                got=arms[1].n,
            )

    an = _section(data, "analysis", required=False)
    subgroups = an.get("subgroups", [])
    if not isinstance(subgroups, list):
        raise InputError(
            field="analysis.subgroups",
            allowed=f"a list among {', '.join(_SUBGROUPS)}",
            got=subgroups,
        )
    for k, g in enumerate(subgroups):
        _string(g, f"analysis.subgroups[{k}]", _SUBGROUPS)

    mo = _section(data, "model", required=False)
    follicles = _integer(mo.get("follicles", DEFAULT_FOLLICLES), "model.follicles", 1000, 100_000)
    parameters = _string(mo.get("parameters", "per_patient"), "model.parameters", _PARAMETERS)
    source = _string(mo.get("source", "posterior"), "model.source", _SOURCES)
    max_pool = _integer(mo.get("max_pool", DEFAULT_MAX_POOL), "model.max_pool", 50, 1_000_000)
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
        arms=tuple(arms),
        zone=zone,
        measure=measure,
        follow_up_weeks=weeks,
        follicles=follicles,
        parameters=parameters,
        source=source,
        notes=notes,
        sources=tuple(sources),
        base_dir=base_dir,
        control=control,
        visits_weeks=visits,
        subgroups=tuple(dict.fromkeys(subgroups)),
        max_pool=max_pool,
    )


def _visits(v: Any, primary: float) -> tuple[float, ...]:
    if v is None:
        return (primary,)
    if not isinstance(v, list) or not 1 <= len(v) <= 20:
        raise InputError(
            field="outcome.visits_weeks", allowed="a list of 1 to 20 weeks in (0, 520]", got=v
        )
    out = {
        _number(w, f"outcome.visits_weeks[{k}]", 0.0, 520.0, lo_open=True) for k, w in enumerate(v)
    }
    return tuple(sorted(out | {primary}))


def _arm(a: Any, i: int, base_dir: str, last_week: float) -> Arm:
    where = f"arms[{i}]"
    if not isinstance(a, dict):
        raise InputError(field=where, allowed="a table", got=a)
    _check_keys(a, _ARM_KEYS, where)
    treatment = _check_treatment(_require(a, "treatment", where), f"{where}.treatment", base_dir)
    arm_name = _string(a.get("name", a["treatment"]), f"{where}.name")
    n = _integer(_require(a, "n", where), f"{where}.n", 2, 100_000)
    conc = 1.0
    if "concentration" in a:
        if treatment != "topical":
            raise InputError(
                field=f"{where}.concentration", allowed="absent unless treatment = 'topical'"
            )
        conc = _number(a["concentration"], f"{where}.concentration", 0.0, 100.0, lo_open=True)
    use = None
    if "use_weeks" in a:
        if treatment not in DAILY:
            raise InputError(
                field=f"{where}.use_weeks",
                allowed=f"absent unless the treatment is taken daily ({', '.join(DAILY)})",
            )
        use = _number(a["use_weeks"], f"{where}.use_weeks", 0.0, last_week, lo_open=True)
    return Arm(arm_name, treatment, n, conc, use)

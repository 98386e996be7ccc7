"""Request models of the JSON API (and of the forms, which are parsed into the same models).

Constraints come from the library's own tables (stages, zones, treatments, the patient file's
``Health`` model) so the API accepts exactly what the library accepts; cross-field rules (a
stage that does not exist for the sex, an age range upside down) are checked by the library
itself and answered with the same 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from anagen.decision import ASSESS_CONSTRAINTS
from anagen.decision._trial_file import ALTERNATIVES
from anagen.scalp import ZONE_NAMES
from anagen.therapy import protocol_paths
from anagen.therapy.patient import MEN_STAGES, WOMEN_STAGES, Health

__all__ = [
    "AssessmentRequest",
    "CalibrationRequest",
    "ErrorDetail",
    "JobOut",
    "PowerRequest",
    "ValidationErrorOut",
]

ZoneName = Literal[ZONE_NAMES]  # type: ignore[valid-type]
Stage = Literal[tuple(dict.fromkeys(MEN_STAGES + WOMEN_STAGES))]  # type: ignore[valid-type]
ProtocolName = Literal[tuple(protocol_paths())]  # type: ignore[valid-type]
ArmTreatment = Literal[tuple(protocol_paths()) + ALTERNATIVES]  # type: ignore[valid-type]
MenStage = Literal[MEN_STAGES]  # type: ignore[valid-type]
WomenStage = Literal[WOMEN_STAGES]  # type: ignore[valid-type]


# the assessment's own constraint table (anagen.decision.ASSESS_CONSTRAINTS) gives the bounds
_SEED = ASSESS_CONSTRAINTS["seed"]
AssessSource = Literal[ASSESS_CONSTRAINTS["source"].values]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssessmentRequest(_Strict):
    """A person to assess (the fields of the patient file, ``docs/therapy.md``)."""

    age: float = Field(ge=0, le=120, description="years")
    sex: Literal["M", "F"]
    stage: Stage = Field(
        description="men: Norwood-Hamilton; women: Ludwig I-III or Savin (see /api/v1/options)"
    )
    years_since_onset: float = Field(ge=0, le=100)
    bmi: float | None = Field(default=None, gt=10, lt=80, description="kg/m², optional")
    smoking: Literal["never", "former", "current"] = "never"
    health: Health = Field(default_factory=Health)
    measured_density_per_cm2: dict[ZoneName, Annotated[float, Field(ge=0, le=1000)]] = Field(
        default_factory=dict, description="measured terminal density by zone, hairs/cm²"
    )
    no_living_follicles: list[ZoneName] = Field(default_factory=list, max_length=6)
    protocols: list[ProtocolName] | None = Field(
        default=None, max_length=20, description="shipped stem-cell protocols (default: all)"
    )
    seed: int = Field(default=0, ge=_SEED.low, le=_SEED.high)
    source: AssessSource = Field(
        default="posterior",
        description="model parameters: the calibrated posterior (default) or the prior",
    )

    def patient_dict(self) -> dict[str, Any]:
        """The patient file as a dict (for :meth:`anagen.therapy.Patient.from_dict`)."""
        info: dict[str, Any] = {
            "age": self.age,
            "sex": self.sex,
            "stage": self.stage,
            "years_since_onset": self.years_since_onset,
            "smoking": self.smoking,
        }
        if self.bmi is not None:
            info["bmi"] = self.bmi
        return {
            "patient": info,
            "health": self.health.model_dump(exclude_none=True),
            "follicles": {
                "no_living_follicles": list(dict.fromkeys(self.no_living_follicles)),
                "measured_density_per_cm2": dict(self.measured_density_per_cm2),
            },
        }


class PowerRequest(_Strict):
    """A virtual trial (the fields of the trial file, ``docs/trials.md``) and what to compute."""

    name: str = Field(default="web trial", min_length=1, max_length=200)
    design: Literal["parallel", "split-scalp"] = "parallel"
    alpha: float = Field(default=0.05, gt=0, le=0.5)
    trials: int = Field(default=100, ge=20, le=2000, description="simulated trials")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    age_min: float = Field(default=18, ge=18, le=120)
    age_max: float = Field(default=64, ge=18, le=120)
    male_fraction: float = Field(default=1.0, ge=0, le=1)
    stages_male: tuple[MenStage, MenStage] = ("III", "IVa")
    stages_female: tuple[WomenStage, WomenStage] = ("I-3", "II-2")
    treated: ArmTreatment = "style_low_dose"
    control: ArmTreatment = "placebo"
    zone: ZoneName = "frontal"
    measure: Literal["change", "percent_change"] = "change"
    follow_up_weeks: float = Field(default=24, gt=0, le=208)
    follicles: int = Field(default=2000, ge=1000, le=20_000)
    parameters: Literal["per_patient", "per_trial", "median"] = "per_patient"
    source: Literal["prior", "posterior"] = "posterior"  # as the command line (issue 8)
    mode: Literal["curve", "sample_size"] = "curve"
    n_values: list[Annotated[int, Field(ge=2, le=400)]] = Field(
        default_factory=lambda: [5, 10, 20, 40], min_length=1, max_length=12
    )
    target: float = Field(default=0.8, gt=0, lt=1)
    max_n: int = Field(default=100, ge=2, le=400)

    def trial_dict(self) -> dict[str, Any]:
        """The trial file as a dict (for :func:`anagen.decision.trial_from_dict`)."""
        n = max(self.n_values) if self.mode == "curve" else self.max_n
        return {
            "trial": {
                "name": self.name,
                "design": self.design,
                "alpha": self.alpha,
                "trials": self.trials,
                "seed": self.seed,
            },
            "population": {
                "age": [self.age_min, self.age_max],
                "male_fraction": self.male_fraction,
                "stages_male": list(self.stages_male),
                "stages_female": list(self.stages_female),
            },
            "arms": [
                {"name": f"treated: {self.treated}", "treatment": self.treated, "n": n},
                {"name": f"control: {self.control}", "treatment": self.control, "n": n},
            ],
            "outcome": {
                "zone": self.zone,
                "measure": self.measure,
                "follow_up_weeks": self.follow_up_weeks,
            },
            "model": {
                "follicles": self.follicles,
                "parameters": self.parameters,
                "source": self.source,
            },
        }


class CalibrationRequest(_Strict):
    """A refit of the model to the curated trials (``anagen.decision.calibrate``; the shipped
    posterior used 4,000 draws per block)."""

    n_draws: int = Field(default=200, ge=20, le=4000, description="prior draws per block")
    quantile: float = Field(
        default=0.05, gt=0, le=1, description="share of the draws kept as the posterior sample"
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class JobOut(BaseModel):
    """A background job: poll ``status_url`` until ``status`` is ``done`` or ``failed``."""

    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float | None = Field(description="share of the work done, 0-1, if known")
    steps_done: float = Field(default=0, description="units of work reported so far")
    error: str | None = None
    result: dict[str, Any] | None = None
    status_url: str
    page_url: str


class ErrorDetail(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(BaseModel):
    """422: the request names a field that is missing or out of range."""

    detail: list[ErrorDetail]
    message: str


class MessageOut(BaseModel):
    """An error without a field (404, 413, 429)."""

    detail: str

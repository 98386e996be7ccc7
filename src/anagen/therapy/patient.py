"""The patient file: who is being advised, in the quantities the trials used to select people.

A patient is a TOML file (documented in ``docs/therapy.md``; example in
``anagen/therapy/data/example_patient.toml``)::

    [patient]
    age = 45                  # years
    sex = "M"                 # M | F
    stage = "III"             # men: Norwood-Hamilton; women: Ludwig I-III or Savin I-1 ... III
    years_since_onset = 6
    bmi = 26.0                # optional, kg/m2
    smoking = "never"         # never | former | current

    [health]                  # all optional, default false / unknown
    pregnant = false
    anticoagulants = false
    ...

    [follicles]
    no_living_follicles = []  # zones a specialist found without living follicles
    measured_density_per_cm2 = { frontal = 120.0 }   # if measured (e.g. phototrichogram)

    [treatments]
    current = ["minoxidil_5"]  # what the person uses now

    [transplant]
    grafts = 2000             # a planned graft count (donor density: follicles.measured...occipital)

Health keys are the exclusions of the cited trials and clinic lists (see
:mod:`anagen.therapy.candidacy`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from anagen.errors import InputError
from anagen.scalp import ZONE_NAMES
from anagen.therapy._validation import read_toml, validate_model
from anagen.therapy.harvest import Donor

__all__ = [
    "CURRENT_TREATMENTS",
    "MEN_STAGES",
    "WOMEN_STAGES",
    "Health",
    "Patient",
    "TransplantPlan",
    "Treatments",
    "load_patient",
]

#: Norwood-Hamilton stages accepted for men.
MEN_STAGES = ("I", "II", "IIa", "III", "IIIa", "III-vertex", "IV", "IVa", "V", "Va", "VI", "VII")
#: Ludwig, Savin and Sinclair stages accepted for women (mapping: anagen.therapy.ludwig_of).
WOMEN_STAGES = (
    "I", "II", "III", "I-1", "I-2", "I-3", "I-4", "II-1", "II-2", "advanced", "frontal",
    "Sinclair-1", "Sinclair-2", "Sinclair-3", "Sinclair-4", "Sinclair-5",
)  # fmt: skip
#: Treatments a person can say they use now (``[treatments] current``).
CURRENT_TREATMENTS = ("minoxidil_2", "minoxidil_5", "finasteride_1mg", "lllt", "prp")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatientInfo(_Strict):
    """``[patient]``."""

    age: float = Field(ge=0, le=120)
    sex: Literal["M", "F"]
    stage: str
    years_since_onset: float = Field(ge=0, le=100)
    bmi: float | None = Field(default=None, gt=10, lt=80)
    smoking: Literal["never", "former", "current"] = "never"

    @model_validator(mode="after")
    def _stage(self) -> PatientInfo:
        allowed = MEN_STAGES if self.sex == "M" else WOMEN_STAGES
        if self.stage not in allowed:
            raise InputError(
                field="patient.stage",
                allowed=f"one of {', '.join(allowed)} for sex {self.sex}",
                got=self.stage,
            )
        if self.years_since_onset > self.age:
            raise InputError(
                field="patient.years_since_onset",
                allowed=f"<= age ({self.age:g})",
                got=self.years_since_onset,
            )
        return self


class Health(_Strict):
    """``[health]``: the conditions the cited trials and clinics exclude or ask about."""

    pregnant: bool = False
    #: None (not stated) is read as "may become pregnant" for women (the finasteride label's
    #: contraindication covers women who are or may potentially be pregnant).
    may_become_pregnant: bool | None = None
    breastfeeding: bool = False
    active_scalp_infection: bool = False
    malignancy: bool = False
    bleeding_disorder: bool = False
    anticoagulants: bool = False
    low_dose_aspirin: bool = False
    platelets_below_100k: bool = False
    active_autoimmune: bool = False
    thyroid_disorder: bool = False
    diabetes_uncontrolled: bool = False
    immunosuppressed: bool = False
    hypertension: bool = False
    months_since_minoxidil: float | None = Field(default=None, ge=0, le=1440)
    months_since_finasteride: float | None = Field(default=None, ge=0, le=1440)
    months_since_scalp_procedure: float | None = Field(default=None, ge=0, le=1440)


class Follicles(_Strict):
    """``[follicles]``: what is known about the follicles, zone by zone."""

    no_living_follicles: tuple[str, ...] = ()
    measured_density_per_cm2: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _zones(self) -> Follicles:
        for z in (*self.no_living_follicles, *self.measured_density_per_cm2):
            if z not in ZONE_NAMES:
                raise InputError(
                    field="follicles", allowed=f"zones among {', '.join(ZONE_NAMES)}", got=z
                )
        for z, v in self.measured_density_per_cm2.items():
            if not 0 <= v <= 1000:
                raise InputError(
                    field=f"follicles.measured_density_per_cm2.{z}",
                    allowed="in [0, 1000] hairs/cm2",
                    got=v,
                )
        return self


class Treatments(_Strict):
    """``[treatments]``: what the person uses now (kept up during any added option)."""

    current: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _known(self) -> Treatments:
        for t in self.current:
            if t not in CURRENT_TREATMENTS:
                raise InputError(
                    field="treatments.current",
                    allowed="any of " + ", ".join(CURRENT_TREATMENTS),
                    got=t,
                )
        if len(set(self.current)) != len(self.current):
            raise InputError(field="treatments.current", allowed="each treatment once")
        if {"minoxidil_2", "minoxidil_5"} <= set(self.current):
            raise InputError(field="treatments.current", allowed="one minoxidil strength")
        return self


class TransplantPlan(_Strict):
    """``[transplant]``: a planned or discussed hair transplant."""

    grafts: int | None = Field(default=None, ge=100, le=8000)


class Patient(_Strict):
    """A validated patient file. Build with :func:`load_patient` or :meth:`from_dict`."""

    patient: PatientInfo
    health: Health = Field(default_factory=Health)
    follicles: Follicles = Field(default_factory=Follicles)
    treatments: Treatments = Field(default_factory=Treatments)
    transplant: TransplantPlan = Field(default_factory=TransplantPlan)

    @model_validator(mode="after")
    def _sex_health(self) -> Patient:
        for key in ("pregnant", "breastfeeding"):
            if self.patient.sex == "M" and getattr(self.health, key):
                raise InputError(
                    field=f"health.{key}",
                    allowed='false for sex M (patient.sex = "F" if this person is a woman)',
                    got=True,
                )
        return self

    @property
    def age(self) -> float:
        return self.patient.age

    @property
    def sex(self) -> str:
        return self.patient.sex

    @property
    def stage(self) -> str:
        return self.patient.stage

    @property
    def dead_zones(self) -> tuple[str, ...]:
        """Zones with no living follicles, as stated or measured at zero density."""
        zero = tuple(z for z, v in self.follicles.measured_density_per_cm2.items() if v == 0)
        return tuple(dict.fromkeys((*self.follicles.no_living_follicles, *zero)))

    def donor(self) -> Donor:
        """Donor factors for the harvest step."""
        return Donor(age=self.patient.age, bmi=self.patient.bmi, smoking=self.patient.smoking)

    @classmethod
    def from_dict(cls, data: dict, *, file: str | None = None) -> Patient:
        return validate_model(cls, data, file=file)

    @classmethod
    def example(cls) -> Patient:
        """The documented example patient shipped with the package."""
        from anagen.therapy.data import data_path

        return load_patient(data_path("example_patient.toml"))


def load_patient(path: str | Path) -> Patient:
    """Read and validate a patient TOML file (errors name the key; see :class:`InputError`)."""
    return Patient.from_dict(read_toml(path), file=str(path))

"""The treatment step by step — harvest → process → inject → regenerate — and the alternatives.

Public API::

    from anagen.therapy import load_protocol, load_patient, run_protocol, CellTherapy
    protocol = load_protocol("style_low_dose.toml")     # validated; InputError names the key
    run = run_protocol(protocol, patient)                # harvest, process, inject (inspectable)
    run.to_dict()                                        # every stage's quantities
    mod = run.modulation(horizon_days=3 * 365)           # regenerate → anagen.scalp.Modulation
    simulate_treatment(CellTherapy(protocol), patient, years=3)   # treated vs untreated
    assess(patient, "adipose_cells")                     # eligible / ask_specialist / not_eligible

Effect sizes here are the priors (:class:`Prior`); the calibrated posterior and a person's
predictions live in :mod:`anagen.decision` (``assess_patient``). Outputs are decision support for
a conversation with a specialist, not a diagnosis. See ``docs/therapy.md``.
"""

from anagen.therapy._priors import Prior
from anagen.therapy._sources import SOURCES, Source, cite
from anagen.therapy.candidacy import Candidacy, Reason, assess, provider_questions
from anagen.therapy.data import data_path, protocol_paths
from anagen.therapy.harvest import Donor, HarvestResult, Quantity, harvest
from anagen.therapy.inject import ZONE_AREA_CM2, Check, InjectionResult, ZoneDose, inject
from anagen.therapy.options import OptionInfo, load_options, option_info
from anagen.therapy.patient import Patient, load_patient
from anagen.therapy.pipeline import ProtocolRun, run_protocol
from anagen.therapy.process import ProcessResult, process
from anagen.therapy.products import METHODS, PRODUCTS, Product
from anagen.therapy.protocol import Protocol, load_protocol
from anagen.therapy.regenerate import (
    DEFAULT_PRIORS,
    RegenerationParams,
    RegenerationPriors,
    exposure,
    regenerate,
    response,
)
from anagen.therapy.simulate import (
    STATUS_NOTE,
    TreatmentRun,
    living_fraction_by_zone,
    patient_scalp,
    simulate_treatment,
)
from anagen.therapy.treatments import (
    PRP,
    CellTherapy,
    EvidencePrior,
    Finasteride,
    HairTransplant,
    LowLevelLaser,
    Minoxidil,
    NoTreatment,
    Treatment,
    evidence_priors,
    standard_options,
)

__all__ = [
    "DEFAULT_PRIORS",
    "METHODS",
    "PRODUCTS",
    "PRP",
    "SOURCES",
    "STATUS_NOTE",
    "ZONE_AREA_CM2",
    "Candidacy",
    "CellTherapy",
    "Check",
    "Donor",
    "EvidencePrior",
    "Finasteride",
    "HairTransplant",
    "HarvestResult",
    "InjectionResult",
    "LowLevelLaser",
    "Minoxidil",
    "NoTreatment",
    "OptionInfo",
    "Patient",
    "Prior",
    "ProcessResult",
    "Product",
    "Protocol",
    "ProtocolRun",
    "Quantity",
    "Reason",
    "RegenerationParams",
    "RegenerationPriors",
    "Source",
    "Treatment",
    "TreatmentRun",
    "ZoneDose",
    "assess",
    "cite",
    "data_path",
    "evidence_priors",
    "exposure",
    "harvest",
    "inject",
    "living_fraction_by_zone",
    "load_options",
    "load_patient",
    "load_protocol",
    "option_info",
    "patient_scalp",
    "process",
    "protocol_paths",
    "provider_questions",
    "regenerate",
    "response",
    "run_protocol",
    "simulate_treatment",
    "standard_options",
]

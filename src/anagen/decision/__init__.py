"""Decision: calibration of the model on the trials, virtual trials and power, and assessment.

Public names are loaded lazily so the command line starts fast.
"""

from __future__ import annotations

from anagen._lazy import lazy_exports

# name -> private module that defines it. Each section is kept by the module's owner.
_PUBLIC: dict[str, str] = {
    # --- calibration (posterior of the regeneration/alternative priors, LOSO validation) --
    "calibrate": "_calibrate",
    "Calibration": "_calibrate",
    "Posterior": "_calibrate",
    "PosteriorDraw": "_calibrate",
    "BlockFit": "_calibrate",
    "load_posterior": "_calibrate",
    "posterior_path": "_calibrate",
    "leave_one_study_out": "_calibrate",
    "LosoTable": "_calibrate",
    "trial_effects": "_calibrate",
    "VirtualTrial": "_calibrate_trials",
    "VirtualPatient": "_calibrate_trials",
    "curated_trials": "_calibrate_trials",
    # --- virtual trials and power ---------------------------------------------------------
    "TrialSpec": "_trial_file",
    "Arm": "_trial_file",
    "load_trial": "_trial_file",
    "trial_from_dict": "_trial_file",
    "trial_paths": "_trial_file",
    "TrialResult": "_trial",
    "PowerCurve": "_trial",
    "simulate_trials": "_trial",
    "power_curve": "_trial",
    "power_text": "_power_text",
    "DEFAULT_SIZE": "_size",
    "AssessSize": "_size",
    "sample_size": "_trial",
    # --- assessment of one person and its report -------------------------------------------
    "assess_patient": "_assess",
    "ASSESS_CONSTRAINTS": "_assess",
    "resolve_protocols": "_assess_plan",
    "SCHEMA_VERSION": "_assessment",
    "Assessment": "_assessment",
    "OptionAssessment": "_assessment",
    "Interval": "_assessment",
    "Chance": "_assessment",
    "Horizon": "_assessment",
    "Cost": "_assessment",
    "Durability": "_assessment",
    "Certainty": "_assessment",
    "EvidenceRow": "_assessment",
    "PublishedEstimate": "_assessment",
    "SideEffect": "_assessment",
    "Trajectory": "_assessment",
    "Provenance": "_assessment",
    "render_report": "_report",
    "render_pdf": "_report",
    "write_report": "_report",
    "report_figures": "_report",
}

__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())

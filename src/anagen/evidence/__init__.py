"""Evidence: curated trials of stem-cell hair therapies and a metafor-exact meta-analysis engine.

Public names are loaded lazily (``from anagen.evidence import pool`` imports only the pooling
module), so the command line starts fast and plotting code loads only when asked for.
"""

from __future__ import annotations

from anagen._lazy import lazy_exports

# name -> private module that defines it. Each section is kept by the module's owner.
_PUBLIC: dict[str, str] = {
    # --- pooling, heterogeneity, bias, moderators, influence -----------------------------
    "pool": "_pool",
    "pool_many": "_pool",
    "PoolResult": "_pool",
    "PoolManyResult": "_pool",
    "METHODS": "_pool",
    "egger_test": "_bias",
    "EggerResult": "_bias",
    "trim_and_fill": "_bias",
    "TrimFillResult": "_bias",
    "meta_regression": "_moderators",
    "MetaRegressionResult": "_moderators",
    "subgroup_analysis": "_moderators",
    "SubgroupResult": "_moderators",
    "leave_one_out": "_influence",
    "cumulative": "_influence",
    "SequentialResult": "_influence",
    "influence_diagnostics": "_influence",
    "InfluenceResult": "_influence",
    # --- effect sizes, conversions, curated data ----------------------------------------
    "effect_sizes": "_effect_sizes",
    "hedges_correction": "_effect_sizes",
    "MEASURES": "_effect_sizes",
    "CORRELATION_DEFAULT": "_convert",
    "CORRELATION_RANGE": "_convert",
    "change_sd": "_convert",
    "paired_difference": "_convert",
    "se_from_ci": "_convert",
    "se_from_p": "_convert",
    "mean_sd_from_quantiles": "_convert",
    "percent_change": "_convert",
    "percent_change_to_log_ratio": "_convert",
    "range_divisor": "_convert",
    "impute_sd": "_impute",
    "ImputedSD": "_impute",
    "IMPUTATION_METHODS": "_impute",
    "sensitivity_without_imputed": "_impute",
    "SensitivityResult": "_impute",
    "load_studies": "_studies",
    "load_comparators": "_studies",
    "load_comparator_trials": "_studies",
    "study_effects": "_studies",
    "study_directions": "_studies",
    "comparator_effects": "_studies",
    "comparator_pooled": "_studies",
    "PRODUCT_GROUPS": "_studies",
    "OUTCOME_DOMAINS": "_studies",
    # --- plots, synthesis without meta-analysis, evidence summary -----------------------
    "forest_plot": "_plots",
    "funnel_plot": "_plots",
    "save_figure": "_plots",
    "PublishedEstimate": "_plots",
    "direction_of_effect": "_swim",
    "DirectionSynthesis": "_swim",
    "rate_certainty": "_grade",
    "Certainty": "_grade",
    "Judgement": "_grade",
    "StudyBias": "_grade",
    "CERTAINTY_LEVELS": "_grade",
    "judge_risk_of_bias": "_grade",
    "judge_inconsistency": "_grade",
    "judge_indirectness": "_grade",
    "judge_imprecision": "_grade",
    "judge_publication_bias": "_grade",
    "optimal_information_size": "_grade",
    "read_effects": "_io",
    "EffectTable": "_io",
    "summarise_evidence": "_summary",
    "EvidenceSummary": "_summary",
    "summary_forest_plot": "_summary",
    "summary_funnel_plot": "_summary",
}

__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())

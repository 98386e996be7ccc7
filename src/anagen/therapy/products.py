"""The cell and cell-free products a protocol can name, and what each one allows.

Each product fixes the harvest source it needs, the processing methods that make sense for it,
the unit its dose is counted in, and a *reference dose*: the dose per cm² of the published
regimen the product is known from. The regeneration step measures exposure relative to that
reference dose, so products with different units share one dose-response prior
(:mod:`anagen.therapy.regenerate`).
"""

from __future__ import annotations

from dataclasses import dataclass

from anagen.therapy._priors import Prior

__all__ = ["METHODS", "PRODUCTS", "SOURCES_OF_CELLS", "Product"]

#: Harvest sources and the amount key each one needs in ``[harvest]``.
SOURCES_OF_CELLS: dict[str, str] = {
    "adipose": "fat_g",
    "bone_marrow": "marrow_ml",
    "scalp_punch": "punches",
    "none": "product_ml",
}

#: Processing methods and the harvest sources they apply to.
METHODS: dict[str, tuple[str, ...]] = {
    "enzymatic": ("adipose", "scalp_punch"),
    "automated_enzymatic": ("adipose",),
    "mechanical": ("adipose",),
    "culture_expansion": ("adipose",),
    "centrifugation": ("bone_marrow",),
    "micrograft_mechanical": ("scalp_punch",),
    "conditioned_medium": ("none",),
    "exosome_isolation": ("none",),
}


@dataclass(frozen=True, slots=True)
class Product:
    """A therapy product.

    Attributes
    ----------
    key, name
        Identifier used in protocol files, and a readable name.
    source
        Harvest source (a key of :data:`SOURCES_OF_CELLS`).
    methods
        Processing methods allowed for it.
    dose_unit
        ``'viable cells/cm2'`` for cell products, ``'mL/cm2'`` for cell-free products.
    reference_dose
        Dose per cm² of the regimen the product is known from (the unit of relative exposure).
    autologous
        ``True`` if made from the patient's own tissue.
    option
        Key of the option in the benefits/drawbacks data (:mod:`anagen.therapy.options`).
    """

    key: str
    name: str
    source: str
    methods: tuple[str, ...]
    dose_unit: str
    reference_dose: Prior
    autologous: bool
    option: str

    @property
    def is_cellular(self) -> bool:
        return self.dose_unit.startswith("viable cells")


_ADRC_REF = Prior(
    "reference_dose.adrc",
    0.5e6,
    0.5e6,
    0.5e6,
    "viable cells/cm2",
    "uniform",
    ("T16", "T17"),
    note="STYLE low-dose arm: 0.5 x 10^6 ADRC per cm2, the arm reported as better than control",
)

PRODUCTS: dict[str, Product] = {
    p.key: p
    for p in (
        Product(
            "svf_enriched_fat",
            "Fat graft enriched with adipose-derived regenerative cells (SVF/ADRC)",
            "adipose",
            ("enzymatic", "automated_enzymatic"),
            "viable cells/cm2",
            _ADRC_REF,
            True,
            "adipose_cells",
        ),
        Product(
            "svf",
            "Stromal vascular fraction (SVF) cells",
            "adipose",
            ("enzymatic", "automated_enzymatic", "mechanical"),
            "viable cells/cm2",
            _ADRC_REF.scaled(
                1.0,
                "reference_dose.svf",
                "taken equal to the STYLE ADRC dose (SVF and ADRC are the same cell fraction)",
            ),
            True,
            "adipose_cells",
        ),
        Product(
            "cultured_adsc",
            "Culture-expanded adipose-derived stem cells (ADSC)",
            "adipose",
            ("culture_expansion",),
            "viable cells/cm2",
            Prior(
                "reference_dose.cultured_adsc",
                0.5e6,
                0.05e6,
                5e6,
                "viable cells/cm2",
                "lognormal",
                ("T17",),
                assumption=True,
                note="no cultured-ADSC dose per cm2 found; centred on the STYLE ADRC dose, 10-fold either way",
            ),
            True,
            "adipose_cells",
        ),
        Product(
            "hf_micrografts",
            "Autologous hair-follicle micrografts (mechanically disaggregated scalp punches)",
            "scalp_punch",
            ("micrograft_mechanical", "enzymatic"),
            "viable cells/cm2",
            Prior(
                "reference_dose.hf_micrografts",
                35.0,
                10.0,
                150.0,
                "viable cells/cm2",
                "lognormal",
                ("T31", "T33"),
                assumption=True,
                note="one 2 x 2 mm biopsy [T31] gives 3,728.5 cells [T33]; spread over the 105 cm2 half-head area assumed in the shipped Gentile protocol (injected area not reported, gap 8.8): 3728.5/105 = 35",
            ),
            True,
            "hf_micrografts",
        ),
        Product(
            "bone_marrow_cells",
            "Autologous bone-marrow mononuclear cells",
            "bone_marrow",
            ("centrifugation",),
            "viable cells/cm2",
            Prior(
                "reference_dose.bone_marrow_cells",
                1.0e7,
                1.0e6,
                1.0e8,
                "viable cells/cm2",
                "lognormal",
                ("T44", "T45"),
                assumption=True,
                note="hair-study dose not reported (gap 8.2); 10^7 nucleated cells/cm2 is the order of a ~25 mL aspirate at ~5 x 10^7 cells/mL [T45] over ~40 cm2 after losses",
            ),
            True,
            "bone_marrow_cells",
        ),
        Product(
            "adsc_conditioned_medium",
            "ADSC conditioned medium (cell-free secretome)",
            "none",
            ("conditioned_medium",),
            "mL/cm2",
            Prior(
                "reference_dose.adsc_conditioned_medium",
                0.02,
                0.005,
                0.08,
                "mL/cm2",
                "lognormal",
                ("T52", "T55"),
                assumption=True,
                note="2 mL per half-scalp [T52] or 3-4 mL per session [T55] over an assumed ~100-150 cm2 of thinning scalp",
            ),
            False,
            "cell_free",
        ),
        Product(
            "exosomes",
            "MSC-derived exosomes (cell-free)",
            "none",
            ("exosome_isolation",),
            "mL/cm2",
            Prior(
                "reference_dose.exosomes",
                0.02,
                0.005,
                0.08,
                "mL/cm2",
                "lognormal",
                ("T57",),
                assumption=True,
                note="particle dose per session not found (gap 8.3); volume taken as for conditioned medium",
            ),
            False,
            "cell_free",
        ),
    )
}

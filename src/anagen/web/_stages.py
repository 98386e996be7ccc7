"""What each hair-loss stage of the patient file looks like, in words, for the assessment form.

Men: Norwood-Hamilton (Norwood 1975 [1]_; the "a" variants keep no bridge of hair, III-vertex is
III with loss at the crown). Women: Ludwig I-III [2]_, the Sinclair scale 1-5 [3]_ and the Savin density scale (I-1 ... II-2,
advanced, frontal) used by the STYLE trial's eligibility criteria [T19]. Descriptions are ours,
written from those classifications.

References
----------
.. [1] Norwood OT. Male pattern baldness: classification and incidence. South Med J
   1975;68(11):1359-1365.
.. [3] Sinclair R, Jolley D, Mallari R, Magee J. The reliability of horizontally sectioned
   scalp biopsies in the diagnosis of chronic diffuse telogen hair loss in women. J Am Acad
   Dermatol 2004;51(2):189-199 (the Sinclair scale, 1-5).
.. [2] Ludwig E. Classification of the types of androgenetic alopecia (common baldness)
   occurring in the female sex. Br J Dermatol 1977;97(3):247-254.
"""

from __future__ import annotations

__all__ = ["STAGE_DESCRIPTIONS", "STAGE_SOURCES"]

STAGE_SOURCES = {
    "M": "Norwood-Hamilton scale (Norwood, South Med J 1975;68:1359)",
    "F": "Ludwig scale (Ludwig, Br J Dermatol 1977;97:247), Sinclair scale (Sinclair et al., "
    "J Am Acad Dermatol 2004;51:189) and Savin density scale (as in the STYLE trial's "
    "eligibility, [T19])",
}

STAGE_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "M": {
        "I": "No noticeable recession of the hairline.",
        "II": "Slight, symmetrical recession at the temples.",
        "IIa": "The whole front hairline has moved back evenly, no temple peaks.",
        "III": "Deep recession at both temples; the first stage usually called balding.",
        "IIIa": "The front hairline has moved back to the middle of the top, no bridge of hair.",
        "III-vertex": "Stage III at the front with thinning at the crown (vertex).",
        "IV": "Front recession deeper than III and a bald crown, still separated by a band of hair.",
        "IVa": "The receded front reaches past the middle of the top; no separating band.",
        "V": "Front and crown areas larger; the band between them is narrow and sparse.",
        "Va": "Front recession extends back to the crown; the top is mostly thin.",
        "VI": "The band between front and crown is gone; one large bald area on top.",
        "VII": "Only a horseshoe band of hair remains at the sides and back.",
    },
    "F": {
        "I": "Ludwig I: thinning on the top, front hairline kept; the parting looks wider.",
        "II": "Ludwig II: marked thinning on the top; scalp clearly visible through the hair.",
        "III": "Ludwig III: near-complete loss on the top, front hairline still present.",
        "I-1": "Savin I-1: normal density at the parting (reference picture).",
        "I-2": "Savin I-2: minimal widening of the parting.",
        "I-3": "Savin I-3: mild widening of the parting.",
        "I-4": "Savin I-4: moderate widening of the parting.",
        "II-1": "Savin II-1: moderate diffuse thinning on the top.",
        "II-2": "Savin II-2: marked diffuse thinning on the top.",
        "advanced": "Savin advanced (III): extensive loss on the top.",
        "frontal": "Savin frontal: thinning concentrated behind the front hairline.",
        "Sinclair-1": "Sinclair 1: normal; no widening of the central parting.",
        "Sinclair-2": "Sinclair 2: the central parting is wider.",
        "Sinclair-3": "Sinclair 3: wider parting, with thinning on either side of it.",
        "Sinclair-4": "Sinclair 4: diffuse thinning over the top of the scalp.",
        "Sinclair-5": "Sinclair 5: advanced loss over the top of the scalp.",
    },
}

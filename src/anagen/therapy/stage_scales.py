"""Stage scales of pattern hair loss and how they map onto each other.

Men: Norwood-Hamilton (I ... VII with the a-variants and III-vertex). Women: three scales in use
in the trials anagen cites —

* **Ludwig** (1977): grades I, II, III (mild, moderate, severe thinning of the crown with the
  frontal hairline kept);
* **Savin** (1996): nine images, I-1 ... I-4 (a widening part), II-1, II-2 (diffuse thinning of
  the crown), III (marked thinning), "advanced", and "frontal" (frontal accentuation);
* **Sinclair** (1 ... 5): 1 normal, 2 a widened central part, 3 a further widened part with
  thinning either side, 4 diffuse thinning of the top, 5 advanced loss.

The correspondence below is anagen's reading of the three scales' descriptions (the same
extent of thinning on the crown), not a validated crosswalk: Savin I-1 ... I-4 and Sinclair 1-3
describe Ludwig I (Savin I-1 and Sinclair 1 show no loss yet); Savin II-1, II-2 and Sinclair 4
are Ludwig II; Savin III, "advanced" and Sinclair 5 are Ludwig III. Savin "frontal" has no
Ludwig grade (Ludwig keeps the frontal hairline); it is treated as Ludwig I in extent.
"""

from __future__ import annotations

__all__ = ["LUDWIG_OF", "ludwig_of", "norwood_main", "same_stage_on", "savin_of"]

#: Ludwig grade of every accepted women's stage.
LUDWIG_OF: dict[str, str] = {
    "I": "I",
    "II": "II",
    "III": "III",
    "I-1": "I",
    "I-2": "I",
    "I-3": "I",
    "I-4": "I",
    "II-1": "II",
    "II-2": "II",
    "advanced": "III",
    "frontal": "I",
    "Sinclair-1": "I",
    "Sinclair-2": "I",
    "Sinclair-3": "I",
    "Sinclair-4": "II",
    "Sinclair-5": "III",
}
_SAVIN = {
    "I": ("I-1", "I-2", "I-3", "I-4"),
    "II": ("II-1", "II-2"),
    "III": ("III", "advanced"),
}
_NORWOOD_MAIN = {"IIa": "II", "IIIa": "III", "III-vertex": "III", "IVa": "IV", "Va": "V"}


def ludwig_of(stage: str) -> str:
    """Ludwig grade of a women's stage given on any of the three scales."""
    return LUDWIG_OF.get(stage, stage)


def savin_of(stage: str) -> tuple[str, ...]:
    """Savin stages that describe the same extent as ``stage`` (a single Savin stage stays
    itself)."""
    if stage in ("I-1", "I-2", "I-3", "I-4", "II-1", "II-2", "advanced", "frontal"):
        return (stage,)
    return _SAVIN.get(ludwig_of(stage), ())


def norwood_main(stage: str) -> str:
    """Main Norwood-Hamilton class (IIIa -> III, III-vertex -> III, ...)."""
    return _NORWOOD_MAIN.get(stage, stage)


def same_stage_on(sex: str, stage: str, enrolled: tuple[str, ...]) -> str:
    """How ``stage`` relates to a trial's ``enrolled`` stages: ``"inside"`` (the stage, or every
    Savin stage it stands for, was enrolled), ``"partly"`` (some of them were), ``"outside"``."""
    if stage in enrolled:
        return "inside"
    if sex == "M":
        return "inside" if norwood_main(stage) in {norwood_main(s) for s in enrolled} else "outside"
    lud = {ludwig_of(s) for s in enrolled}
    savin = savin_of(stage)
    hit = [s for s in savin if s in enrolled]
    if savin and len(hit) == len(savin):
        return "inside"
    if hit:
        return "partly"
    if ludwig_of(stage) in lud:
        # enrolled on the Ludwig scale: the same grade is inside; enrolled on the finer Savin
        # scale: only some of the grade's Savin stages were
        on_ludwig = all(s in ("I", "II", "III") for s in enrolled)
        return "inside" if on_ludwig else "partly"
    return "outside"

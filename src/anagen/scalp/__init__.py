"""The scalp: a stochastic follicle-population model with pattern hair loss."""

from anagen.scalp._modulation import ZONE_NAMES, Modulation, Transplant

__all__ = ["ZONE_NAMES", "Modulation", "Transplant"]

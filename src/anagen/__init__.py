"""anagen: is stem-cell therapy for hair loss effective — for whom, by how much, for how long?

Three faces over one library:

* :mod:`anagen.evidence` — curated clinical studies and a meta-analysis engine that matches
  R's metafor;
* :mod:`anagen.scalp` — a stochastic follicle-population model of the human scalp;
* :mod:`anagen.therapy` — the treatment pipeline (harvest → process → inject → regenerate) and
  the alternatives it must beat.

Decision support only: nothing here is a diagnosis.
"""

from anagen.errors import AnagenError, InputError

__version__ = "0.1.0"
__all__ = ["AnagenError", "InputError", "__version__"]

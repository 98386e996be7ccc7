"""Two-group effect sizes with the definitions of metafor's ``escalc``.

Three measures for continuous outcomes in two independent groups (group 1 = treated,
group 2 = control), each with metafor's default large-sample variance (``vtype="LS"``):

``MD``
    raw mean difference ``yi = m1 - m2``, ``vi = sd1²/n1 + sd2²/n2``.
``SMD``
    Hedges' g: the pooled-SD standardised difference times the exact small-sample correction
    ``c(m) = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2))`` with ``m = n1 + n2 - 2``; ``vi = 1/n1 + 1/n2 +
    yi²/(2(n1+n2))``.
``ROM``
    log ratio of means ``yi = log(m1/m2)``, ``vi = sd1²/(n1 m1²) + sd2²/(n2 m2²)``; both means
    must be positive.

References
----------
.. [1] Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
   2010;36(3):1-48. doi:10.18637/jss.v036.i03 (``escalc``, metafor 3.8-1 documentation).
.. [2] Hedges LV. Distribution theory for Glass's estimator of effect size and related
   estimators. J Educ Stat 1981;6(2):107-128 (exact bias correction).
.. [3] Hedges LV, Gurevitch J, Curtis PS. The meta-analysis of response ratios in experimental
   ecology. Ecology 1999;80(4):1150-1156 (log ratio of means and its variance).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaln

from anagen.errors import InputError

__all__ = ["MEASURES", "effect_sizes", "hedges_correction"]

MEASURES: tuple[str, ...] = ("MD", "SMD", "ROM")

Measure = Literal["MD", "SMD", "ROM"]

#: Largest arm size accepted (far above any trial's: the largest hair-loss trials randomise
#: hundreds per arm); beyond it variances underflow and one study takes all the weight.
N_MAX = 10_000_000


def hedges_correction(df: ArrayLike) -> np.ndarray:
    """Exact small-sample bias correction factor of Hedges' g.

    Parameters
    ----------
    df
        Degrees of freedom ``m = n1 + n2 - 2`` (must be > 1).

    Returns
    -------
    numpy.ndarray
        ``c(m) = exp(lnΓ(m/2) - ½ ln(m/2) - lnΓ((m-1)/2))``, computed on the log scale as
        metafor's internal ``.cmicalc`` does, so that large ``m`` does not overflow.

    References
    ----------
    .. [1] Hedges LV. J Educ Stat 1981;6(2):107-128, eq. 6e.
    """
    m = np.asarray(df, dtype=float)
    if np.any(~(m > 1)):
        raise InputError(field="df", allowed="> 1 (n1 + n2 - 2)", got=m.tolist())
    return np.exp(gammaln(m / 2.0) - 0.5 * np.log(m / 2.0) - gammaln((m - 1.0) / 2.0))


def _as_arrays(**values: ArrayLike) -> dict[str, np.ndarray]:
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in values.items()}
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError as exc:
        sizes = {k: a.shape for k, a in arrays.items()}
        raise InputError(f"inputs have incompatible shapes {sizes}") from exc
    out = {k: np.broadcast_to(a, shape).astype(float) for k, a in arrays.items()}
    for name, a in out.items():
        bad = ~np.isfinite(a)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(field=name, row=i + 1, allowed="a finite number", got=float(a[i]))
    for name in ("n1", "n2"):
        bad = (out[name] < 2) | (out[name] > N_MAX)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                field=name, row=i + 1, allowed=f"2 to {N_MAX:,}", got=float(out[name][i])
            )
    for name in ("sd1", "sd2"):
        bad = out[name] < 0
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(field=name, row=i + 1, allowed=">= 0", got=float(out[name][i]))
    return out


def effect_sizes(
    measure: Measure,
    m1: ArrayLike,
    sd1: ArrayLike,
    n1: ArrayLike,
    m2: ArrayLike,
    sd2: ArrayLike,
    n2: ArrayLike,
) -> tuple[np.ndarray, np.ndarray]:
    """Effect sizes and sampling variances for two independent groups, as metafor ``escalc``.

    Parameters
    ----------
    measure
        ``"MD"`` (raw mean difference), ``"SMD"`` (Hedges' g, exact correction) or ``"ROM"``
        (log ratio of means).
    m1, sd1, n1
        Mean, standard deviation and size of group 1 (treated). Scalars or 1-d arrays;
        broadcast together.
    m2, sd2, n2
        The same for group 2 (control).

    Returns
    -------
    yi, vi : numpy.ndarray
        Observed effect sizes and their large-sample sampling variances (metafor
        ``vtype="LS"``), one per study.

    Raises
    ------
    InputError
        Unknown measure, non-finite input, ``n < 2``, negative SD, or (ROM) a mean ≤ 0. The
        message names the argument and the 1-based position.

    Notes
    -----
    ``SMD`` uses the pooled SD ``sqrt(((n1-1)sd1² + (n2-1)sd2²)/(n1+n2-2))`` and metafor's
    variance ``1/n1 + 1/n2 + g²/(2(n1+n2))`` (``vtype="LS"``, the default of metafor 3.8;
    check the default if you compare with another metafor version). Matched to metafor 3.8-1
    to 1e-10 relative in ``tests/evidence/test_effect_sizes.py``.

    References
    ----------
    .. [1] Viechtbauer W. J Stat Softw 2010;36(3):1-48; metafor 3.8-1 ``escalc`` help page.
    .. [2] Hedges LV. J Educ Stat 1981;6(2):107-128.
    .. [3] Hedges LV, Gurevitch J, Curtis PS. Ecology 1999;80(4):1150-1156.

    Examples
    --------
    >>> yi, vi = effect_sizes("MD", 18.6, 25.4, 139, 3.9, 21.7, 78)  # Olsen 2002, 5% vs placebo
    >>> round(float(yi[0]), 1), round(float(vi[0]), 4)
    (14.7, 10.6785)
    """
    if measure not in MEASURES:
        raise InputError(field="measure", allowed=f"one of {', '.join(MEASURES)}", got=measure)
    a = _as_arrays(m1=m1, sd1=sd1, n1=n1, m2=m2, sd2=sd2, n2=n2)
    m1_, sd1_, n1_ = a["m1"], a["sd1"], a["n1"]
    m2_, sd2_, n2_ = a["m2"], a["sd2"], a["n2"]
    if measure == "MD":
        yi = m1_ - m2_
        vi = sd1_**2 / n1_ + sd2_**2 / n2_
    elif measure == "SMD":
        df = n1_ + n2_ - 2.0
        sdp = np.sqrt(((n1_ - 1.0) * sd1_**2 + (n2_ - 1.0) * sd2_**2) / df)
        bad = ~(sdp > 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(field="sd1, sd2", row=i + 1, allowed="not both 0 for SMD", got=0.0)
        yi = hedges_correction(df) * (m1_ - m2_) / sdp
        vi = 1.0 / n1_ + 1.0 / n2_ + yi**2 / (2.0 * (n1_ + n2_))
    else:  # ROM
        for name, m in (("m1", m1_), ("m2", m2_)):
            bad = ~(m > 0)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(field=name, row=i + 1, allowed="> 0 for ROM", got=float(m[i]))
        yi = np.log(m1_ / m2_)
        vi = sd1_**2 / (n1_ * m1_**2) + sd2_**2 / (n2_ * m2_**2)
    return yi, vi

"""Missing-SD imputation borrowed from trials that report them, and its sensitivity analysis.

Most stem-cell hair trials report a mean (often a mean percent change) without an SD. Rather
than drop them, a meta-analysis can borrow the SD from trials of the same outcome on the same
scale that do report one, which Furukawa et al. (2006) found gives results close to those with
the true SDs. Every borrowed value is flagged and described here, and
:func:`sensitivity_without_imputed` re-pools without the studies that needed one.

References
----------
.. [1] Furukawa TA, Barbui C, Cipriani A, Brambilla P, Watanabe N. Imputing missing standard
   deviations in meta-analyses can provide accurate results. J Clin Epidemiol
   2006;59(1):7-10. doi:10.1016/j.jclinepi.2005.06.006
.. [2] Higgins JPT, Li T, Deeks JJ (eds). Cochrane Handbook for Systematic Reviews of
   Interventions v6.4, 2023, §6.5.2.10 (imputing SDs; borrow from other studies, then run a
   sensitivity analysis).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike

from anagen.errors import InputError

if TYPE_CHECKING:
    from anagen.evidence._pool import PoolResult

__all__ = [
    "IMPUTATION_METHODS",
    "ImputedSD",
    "SensitivityResult",
    "impute_sd",
    "sensitivity_without_imputed",
]

ImputationMethod = Literal["median_sd", "max_sd", "pooled_sd", "median_cv"]
IMPUTATION_METHODS: tuple[str, ...] = ("median_sd", "max_sd", "pooled_sd", "median_cv")


@dataclass(frozen=True, slots=True)
class ImputedSD:
    """SDs with the missing ones filled in, and how.

    Attributes
    ----------
    sd
        All SDs; reported ones unchanged, missing ones imputed.
    imputed
        True where the SD was imputed.
    how
        One text per entry: ``""`` for a reported SD, otherwise what was borrowed from where.
    method
        The imputation rule used.
    donor_value
        The borrowed SD (or coefficient of variation for ``median_cv``).
    n_donors
        Number of reported SDs the value was borrowed from.
    """

    sd: np.ndarray
    imputed: np.ndarray
    how: tuple[str, ...]
    method: str
    donor_value: float
    n_donors: int


def _vector(name: str, value: ArrayLike, size: int | None = None) -> np.ndarray:
    a = np.atleast_1d(np.asarray(value, dtype=float)).ravel()
    if size is not None and a.size == 1 and size > 1:
        a = np.full(size, a[0])
    if size is not None and a.size != size:
        raise InputError(field=name, allowed=f"length {size} (same as sd)", got=a.size)
    return a


def impute_sd(
    sd: ArrayLike,
    *,
    mean: ArrayLike | None = None,
    n: ArrayLike | None = None,
    method: ImputationMethod = "median_sd",
    donor_sd: ArrayLike | None = None,
    donor_mean: ArrayLike | None = None,
    donor_n: ArrayLike | None = None,
    labels: ArrayLike | None = None,
) -> ImputedSD:
    """Fill missing SDs (NaN) with a value borrowed from SDs that were reported.

    Parameters
    ----------
    sd
        SDs, NaN where not reported.
    mean
        Means of the same arms (needed by ``median_cv`` for the recipients and donors).
    n
        Arm sizes (needed by ``pooled_sd`` for the donors).
    method
        ``"median_sd"`` median of the donor SDs; ``"max_sd"`` the largest donor SD (the
        conservative choice); ``"pooled_sd"`` ``sqrt(Σ(n-1)sd² / Σ(n-1))`` over donors;
        ``"median_cv"`` median donor coefficient of variation ``sd/|mean|`` times the
        recipient's ``|mean|`` (for outcomes whose spread scales with the mean).
    donor_sd, donor_mean, donor_n
        External donors (e.g. other trials of the same outcome scale). When omitted, the
        reported entries of ``sd`` (with ``mean`` and ``n``) are the donors.
    labels
        Optional donor labels (one per donor) quoted in the ``how`` text.

    Returns
    -------
    ImputedSD
        Filled SDs, an ``imputed`` mask and a text per entry saying what was assumed.

    Raises
    ------
    InputError
        No donors, unknown method, or a method's required inputs are missing.

    References
    ----------
    .. [1] Furukawa TA, et al. J Clin Epidemiol 2006;59(1):7-10.
    .. [2] Cochrane Handbook v6.4, §6.5.2.10.
    """
    if method not in IMPUTATION_METHODS:
        raise InputError(
            field="method", allowed=f"one of {', '.join(IMPUTATION_METHODS)}", got=method
        )
    s = _vector("sd", sd)
    k = s.size
    missing = np.isnan(s)
    m = None if mean is None else _vector("mean", mean, k)
    nn = None if n is None else _vector("n", n, k)
    if donor_sd is None:
        dsd = s[~missing]
        dmean = None if m is None else m[~missing]
        dn = None if nn is None else nn[~missing]
    else:
        dsd = _vector("donor_sd", donor_sd)
        dmean = None if donor_mean is None else _vector("donor_mean", donor_mean, dsd.size)
        dn = None if donor_n is None else _vector("donor_n", donor_n, dsd.size)
    if dsd.size == 0 or np.isnan(dsd).any():
        raise InputError(
            field="donor_sd", allowed="at least one reported SD and no NaN", got=dsd.tolist()
        )
    if (dsd < 0).any():
        raise InputError(field="donor_sd", allowed=">= 0", got=dsd.tolist())
    donors = ""
    if labels is not None:
        names = [str(x) for x in np.atleast_1d(np.asarray(labels, dtype=object))]
        donors = f" ({', '.join(names)})"
    if method == "median_sd":
        value = float(np.median(dsd))
        fill = np.full(k, value)
        text = f"SD imputed: median of {dsd.size} reported SD(s){donors} = {value:.4g}"
    elif method == "max_sd":
        value = float(np.max(dsd))
        fill = np.full(k, value)
        text = f"SD imputed: largest of {dsd.size} reported SD(s){donors} = {value:.4g}"
    elif method == "pooled_sd":
        if dn is None or np.isnan(dn).any() or (dn < 2).any():
            raise InputError(field="donor_n", allowed="arm sizes >= 2 for pooled_sd", got=None)
        value = float(np.sqrt(np.sum((dn - 1) * dsd**2) / np.sum(dn - 1)))
        fill = np.full(k, value)
        text = f"SD imputed: pooled SD of {dsd.size} reporting arm(s){donors} = {value:.4g}"
    else:  # median_cv
        if dmean is None or m is None:
            raise InputError(
                field="mean", allowed="given for recipients and donors (median_cv)", got=None
            )
        if np.isnan(dmean).any() or (dmean == 0).any():
            raise InputError(field="donor_mean", allowed="non-zero, not NaN", got=dmean.tolist())
        value = float(np.median(dsd / np.abs(dmean)))
        fill = value * np.abs(m)
        text = f"SD imputed: median CV {value:.4g} of {dsd.size} reporting arm(s){donors} x |mean|"
    out = np.where(missing, fill, s)
    if np.isnan(out).any():
        i = int(np.flatnonzero(np.isnan(out))[0])
        raise InputError(
            field="mean", row=i + 1, allowed="a number where the SD is missing", got=None
        )
    how = tuple(text if miss else "" for miss in missing)
    return ImputedSD(
        sd=out,
        imputed=missing.copy(),
        how=how,
        method=method,
        donor_value=value,
        n_donors=int(dsd.size),
    )


@dataclass(frozen=True, slots=True)
class SensitivityResult:
    """Pooled result with all studies and without those that needed an imputed value.

    Attributes
    ----------
    all
        Pooled over every study.
    without_imputed
        Pooled over studies with no imputed input, or ``None`` when too few remain.
    keep
        Boolean mask of the studies kept in ``without_imputed``.
    """

    all: PoolResult
    without_imputed: PoolResult | None
    keep: np.ndarray


def sensitivity_without_imputed(
    yi: ArrayLike,
    vi: ArrayLike,
    imputed: ArrayLike,
    *,
    method: str = "REML",
    knha: bool = False,
    level: float = 0.95,
) -> SensitivityResult:
    """Pool all studies, then again without those whose effect needed an imputed input.

    Parameters
    ----------
    yi, vi
        Effect sizes and sampling variances.
    imputed
        Boolean per study: True if anything in its ``yi``/``vi`` was imputed or assumed.
    method, knha, level
        Passed to :func:`anagen.evidence.pool`.

    Returns
    -------
    SensitivityResult
        Both fits and the mask of kept studies. ``without_imputed`` is ``None`` when fewer
        studies remain than the method needs (one for ``FE`` without Knapp-Hartung, two
        otherwise).

    References
    ----------
    .. [1] Cochrane Handbook v6.4, §10.14 (sensitivity analyses) and §6.5.2.10.
    """
    from anagen.evidence._pool import pool

    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    imp = np.asarray(imputed, dtype=bool).ravel()
    if imp.size != y.size:
        raise InputError(field="imputed", allowed=f"length {y.size} (same as yi)", got=imp.size)
    keep = ~imp
    full = pool(y, v, method=method, knha=knha, level=level)
    need = 2 if (method != "FE" or knha) else 1
    reduced = (
        pool(y[keep], v[keep], method=method, knha=knha, level=level)
        if keep.sum() >= need
        else None
    )
    return SensitivityResult(all=full, without_imputed=reduced, keep=keep)

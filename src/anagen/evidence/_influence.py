"""Sensitivity of a pooled result to single studies: leave-one-out, influence, cumulative.

As metafor 3.8 for ``rma.uni`` models without moderators: :func:`leave_one_out` is
``leave1out()``, :func:`influence_diagnostics` is ``influence()`` and :func:`cumulative` is
``cumul()``. Each refit uses the same estimator, test and level as the full analysis.

References
----------
.. [1] Viechtbauer, W., & Cheung, M. W.-L. (2010). Outlier and influence diagnostics for
   meta-analysis. *Research Synthesis Methods*, 1(2), 112-125.
.. [2] Belsley, D. A., Kuh, E., & Welsch, R. E. (1980). *Regression Diagnostics*. Wiley.
   (DFFITS, COVRATIO.)
.. [3] Cook, R. D. (1977). Detection of influential observation in linear regression.
   *Technometrics*, 19(1), 15-18.
.. [4] Lau, J., Antman, E. M., Jimenez-Silva, J., Kupelnick, B., Mosteller, F., & Chalmers,
   T. C. (1992). Cumulative meta-analysis of therapeutic trials for myocardial infarction.
   *New England Journal of Medicine*, 327(4), 248-254.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from anagen.errors import InputError
from anagen.evidence._pool import (
    PoolResult,
    _check_k,
    _check_level,
    _check_method,
    _check_pair,
    pool,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "InfluenceResult",
    "SequentialResult",
    "cumulative",
    "influence_diagnostics",
    "leave_one_out",
]

_SERIES_FIELDS = (
    "estimate", "se", "zval", "p", "ci_low", "ci_high", "q", "q_p", "tau2", "i2", "h2",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SequentialResult:
    """A series of refits: leave-one-out (``study`` left out) or cumulative (``study`` added).

    Each field is a tuple with one entry per refit, in the order of ``study`` (1-based study
    numbers in the input order); ``results`` holds the full :class:`PoolResult` of each refit.
    """

    kind: str
    study: tuple[int, ...]
    estimate: tuple[float, ...]
    se: tuple[float, ...]
    zval: tuple[float, ...]
    p: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    q: tuple[float, ...]
    q_p: tuple[float, ...]
    tau2: tuple[float, ...]
    i2: tuple[float, ...]
    h2: tuple[float, ...]
    results: tuple[PoolResult, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per refit."""
        import pandas as pd

        return pd.DataFrame({f: getattr(self, f) for f in _SERIES_FIELDS}, index=self.study)


def _series(kind: str, study: list[int], results: list[PoolResult]) -> SequentialResult:
    cols = {f: tuple(float(getattr(r, f)) for r in results) for f in _SERIES_FIELDS}
    return SequentialResult(kind=kind, study=tuple(study), results=tuple(results), **cols)


def _prepare(yi, vi, method, knha, level) -> tuple[np.ndarray, np.ndarray, str, float]:
    method = _check_method(method)
    level = _check_level(level)
    y, v = _check_pair(yi, vi, ndim=1)
    return y, v, method, level


ControlArg = str | Mapping[str, Any] | None


def _refit(
    y: np.ndarray, v: np.ndarray, method: str, knha: bool, level: float, control: ControlArg
) -> PoolResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return pool(y, v, method, knha=knha, level=level, control=control)


def leave_one_out(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str = "REML",
    knha: bool = False,
    level: float = 0.95,
    control: ControlArg = None,
) -> SequentialResult:
    """Pool the studies k times, leaving each out once (metafor ``leave1out``).

    Parameters
    ----------
    yi, vi, method, knha, level, control
        As :func:`~anagen.evidence.pool` (exact by default; ``control="metafor"`` refits with
        metafor's default control, as ``leave1out()`` of a default ``rma()`` fit); k - 1
        must be enough studies for the method.

    Returns
    -------
    SequentialResult
        ``study[i]`` is the study left out of refit ``i``.

    References
    ----------
    Viechtbauer & Cheung 2010 [1]_.
    """
    y, v, method, level = _prepare(yi, vi, method, knha, level)
    _check_k(y.size - 1, method, knha)
    keep = ~np.eye(y.size, dtype=bool)
    fits = [_refit(y[keep[i]], v[keep[i]], method, knha, level, control) for i in range(y.size)]
    return _series("leave-one-out", list(range(1, y.size + 1)), fits)


def cumulative(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str = "REML",
    knha: bool = False,
    level: float = 0.95,
    order: Sequence[float] | None = None,
    control: ControlArg = None,
) -> SequentialResult:
    """Cumulative meta-analysis: add the studies one at a time (metafor ``cumul``) [4]_.

    Parameters
    ----------
    yi, vi, method, knha, level, control
        As :func:`~anagen.evidence.pool` (exact by default; ``control="metafor"`` as
        ``cumul()`` of a default ``rma()`` fit).
    order
        Sort key per study (e.g. publication year; ties keep input order); default input order.

    Returns
    -------
    SequentialResult
        Refit ``i`` pools the first ``i + 1`` studies; ``study[i]`` is the study added. The
        first refit (one study) has tau² = 0 and a z test even when ``knha`` (as metafor).

    References
    ----------
    Lau et al. 1992 [4]_.
    """
    y, v, method, level = _prepare(yi, vi, method, knha, level)
    if order is None:
        idx = np.arange(y.size)
    else:
        key = np.asarray(order, dtype=np.float64)
        if key.shape != y.shape or not np.all(np.isfinite(key)):
            raise InputError(field="order", allowed=f"{y.size} finite numbers", got=key.shape)
        idx = np.argsort(key, kind="stable")
    y, v = y[idx], v[idx]
    fits = []
    for n in range(1, y.size + 1):
        if n == 1:
            # one study: tau2 = 0 and, as in metafor, a z test (no df for Knapp-Hartung)
            fits.append(replace(_refit(y[:1], v[:1], "FE", False, level, control), method=method))
        else:
            fits.append(_refit(y[:n], v[:n], method, knha, level, control))
    return _series("cumulative", [int(i) + 1 for i in idx], fits)


@dataclass(frozen=True, slots=True)
class InfluenceResult:
    """Case diagnostics of a pooled result (metafor ``influence()``), one entry per study.

    Attributes
    ----------
    rstudent
        Externally studentised residuals: ``(yi - est_(-i)) / sqrt(vi + tau2_(-i) +
        se_(-i)^2)`` (Knapp–Hartung scaled when ``knha``).
    dffits
        Change in the fitted value when study i is left out, in standard errors.
    cooks_distance
        Cook's distance: squared change in the estimate over its full-data variance.
    cov_ratio
        Variance of the estimate without study i over its variance with it.
    tau2_del, q_del
        tau² and Q without study i.
    hat
        Leverage (weight / 100).
    weight
        Weight in percent.
    dfbetas
        Change in the estimate, in standard errors (metafor ``dfbetas``).
    influential
        metafor's flag: |dffits| > 3 sqrt(1/(k-1)), pchisq(cook.d, 1) > 0.5, hat > 3/k or
        |dfbetas| > 1.
    """

    rstudent: tuple[float, ...]
    dffits: tuple[float, ...]
    cooks_distance: tuple[float, ...]
    cov_ratio: tuple[float, ...]
    tau2_del: tuple[float, ...]
    q_del: tuple[float, ...]
    hat: tuple[float, ...]
    weight: tuple[float, ...]
    dfbetas: tuple[float, ...]
    influential: tuple[bool, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per study (index 1..k)."""
        import pandas as pd

        names = (
            "rstudent", "dffits", "cooks_distance", "cov_ratio", "tau2_del", "q_del", "hat",
            "weight", "dfbetas", "influential",
        )  # fmt: skip
        frame = pd.DataFrame({n: getattr(self, n) for n in names})
        frame.index = range(1, len(frame) + 1)
        return frame


def influence_diagnostics(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    method: str = "REML",
    knha: bool = False,
    level: float = 0.95,
    control: ControlArg = None,
) -> InfluenceResult:
    """Outlier and influence diagnostics of each study, as metafor ``influence()`` [1]_.

    Parameters
    ----------
    yi, vi, method, knha, level, control
        As :func:`~anagen.evidence.pool` (exact by default; ``control="metafor"`` as
        ``influence()`` of a default ``rma()`` fit); k - 1 must be enough studies for the
        method.

    Returns
    -------
    InfluenceResult

    References
    ----------
    Viechtbauer & Cheung 2010 [1]_; Belsley, Kuh & Welsch 1980 [2]_; Cook 1977 [3]_.
    """
    y, v, method, level = _prepare(yi, vi, method, knha, level)
    k = y.size
    _check_k(k - 1, method, knha)
    full = _refit(y, v, method, knha, level, control)
    loo = leave_one_out(y, v, method, knha, level, control)
    hat = np.asarray(full.weights) / 100.0
    vb_full = full.se**2
    out: dict[str, list[float]] = {n: [] for n in ("rs", "dff", "cook", "covr", "dfb")}
    for i, res in enumerate(loo.results):
        s2w = 1.0
        if knha:
            w_i = 1.0 / (np.delete(v, i) + res.tau2)
            mu = np.sum(w_i * np.delete(y, i)) / np.sum(w_i)
            rss = float(np.sum(w_i * (np.delete(y, i) - mu) ** 2))
            s2w = 0.0 if rss <= np.finfo(np.float64).eps else rss / (k - 2)
        diff = full.estimate - res.estimate
        resid = y[i] - res.estimate
        if abs(resid) < 100 * np.finfo(np.float64).eps:
            resid = 0.0
        out["rs"].append(resid / math.sqrt(v[i] * s2w + res.se**2 + res.tau2 * s2w))
        out["dff"].append(diff / math.sqrt(s2w * hat[i] * (res.tau2 + v[i])))
        vb_del = 1.0 / float(np.sum(1.0 / (v + res.tau2)))
        out["dfb"].append(diff / math.sqrt(s2w * vb_del))
        out["cook"].append(diff**2 / vb_full)
        out["covr"].append(res.se**2 / vb_full)
    p = 1
    infl = tuple(
        bool(
            abs(out["dff"][i]) > 3.0 * math.sqrt(p / (k - p))
            or _chi2_1_cdf(out["cook"][i]) > 0.5
            or hat[i] > 3.0 * p / k
            or abs(out["dfb"][i]) > 1.0
        )
        for i in range(k)
    )
    return InfluenceResult(
        rstudent=tuple(out["rs"]),
        dffits=tuple(out["dff"]),
        cooks_distance=tuple(out["cook"]),
        cov_ratio=tuple(out["covr"]),
        tau2_del=loo.tau2,
        q_del=loo.q,
        hat=tuple(float(h) for h in hat),
        weight=full.weights,
        dfbetas=tuple(out["dfb"]),
        influential=infl,
    )


def _chi2_1_cdf(x: float) -> float:
    return math.erf(math.sqrt(x / 2.0)) if x > 0 else 0.0

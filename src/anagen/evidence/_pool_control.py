"""How tau² is converged: exact by default, or metafor's own control settings on request.

``EXACT`` (the default of :func:`anagen.evidence.pool`) runs Fisher scoring to
``|change| <= 1e-12``, the root finders (Paule–Mandel, Q-profile) to ``1e-12``, puts tau² at
exactly 0 when the (restricted) likelihood or the EB equation has its optimum on the boundary,
and, when Fisher scoring oscillates, falls back to step-halving (``stepadj`` 0.5, 0.25) and
then to a bracketed root of the score on ``[0, upper]`` (Brent, compiled in SciPy): the
stationary point of the (restricted) profile likelihood, compared with tau² = 0.

``METAFOR`` is ``rma()``'s default ``control`` (``threshold = 1e-5``, ``stepadj = 1``,
``maxiter = 100``, ``tol = .Machine$double.eps^0.25``) with metafor's behaviour on failure
(an error), for users who must reproduce a published metafor run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from anagen.errors import InputError
from anagen.evidence._zeroin import R_UNIROOT_TOL

__all__ = ["EXACT", "METAFOR", "Control", "resolve_control"]


@dataclass(frozen=True, slots=True)
class Control:
    """Convergence settings of the tau² estimators (metafor ``control=`` names)."""

    threshold: float = 1e-12
    stepadj: float = 1.0
    maxiter: int = 1000
    tol: float = 1e-12
    confint_maxiter: int = 1000
    exact: bool = True  # exact boundary and fallbacks; False = metafor's behaviour


EXACT = Control()
METAFOR = Control(threshold=1e-5, stepadj=1.0, maxiter=100, tol=R_UNIROOT_TOL, exact=False)
_KEYS = {"threshold", "stepadj", "maxiter", "tol"}


def _positive(name: str, value: Any, hi: float = float("inf")) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= hi:
        raise InputError(field=f"control.{name}", allowed=f"a number in (0, {hi:g}]", got=value)
    return float(value)


def resolve_control(control: str | Mapping[str, Any] | Control | None, stepadj: Any) -> Control:
    """The :class:`Control` for ``pool(control=..., stepadj=...)``.

    ``None`` or ``"exact"``: :data:`EXACT`. ``"metafor"``: :data:`METAFOR`. A mapping with any
    of ``threshold``, ``stepadj``, ``maxiter``, ``tol``: metafor's defaults with those changed
    (metafor's behaviour, as ``rma(control=list(...))``). A ``stepadj`` argument alone means
    metafor's control with that step length (as before ``control=`` existed).
    """
    if isinstance(control, Control):
        out = control
    elif control is None or control == "exact":
        out = EXACT if stepadj is None else METAFOR
    elif control == "metafor":
        out = METAFOR
    elif isinstance(control, Mapping):
        unknown = set(control) - _KEYS
        if unknown:
            raise InputError(
                field=f"control.{sorted(unknown)[0]}",
                allowed=f"absent (known: {', '.join(sorted(_KEYS))})",
            )
        out = METAFOR
        for key, value in control.items():
            if key == "maxiter":
                if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**6:
                    raise InputError(
                        field="control.maxiter", allowed="an integer in [1, 1000000]", got=value
                    )
                out = replace(out, maxiter=value)
            else:
                out = replace(out, **{key: _positive(key, value, 1.0)})
    else:
        raise InputError(
            field="control",
            allowed="None (exact), 'metafor', or a dict of threshold, stepadj, maxiter, tol",
            got=control,
        )
    if stepadj is not None:
        out = replace(out, stepadj=_positive("stepadj", stepadj, 1.0))
    return out


# --- fallback: bracketed root of the score --------------------------------------------------


def score(y: np.ndarray, v: np.ndarray, tau2: float, method: str) -> float:
    """Derivative direction of the (restricted) log-likelihood (REML, ML) or the EB equation
    at ``tau2``: positive means a larger tau² fits better (one analysis of :func:`score_rows`)."""
    return float(score_rows(y[None, :], v[None, :], np.array([tau2]), method)[0])


def score_rows(Y: np.ndarray, V: np.ndarray, tau2: np.ndarray, method: str) -> np.ndarray:
    """:func:`score` of each row of ``Y``/``V`` (analyses x studies) at ``tau2[row]``.

    NumPy sums a row of a C-contiguous array the same way whether it is alone or one of many
    (pairwise, along the last axis), so a row's score has the same bits either way.
    """
    W = 1.0 / (V + tau2[:, None])
    sw = W.sum(axis=-1)
    mu = (W * Y).sum(axis=-1) / sw
    r2 = (Y - mu[:, None]) ** 2
    k = Y.shape[-1]
    if method == "PM":  # generalised Q above its expectation: tau2 must grow
        return (W * r2).sum(axis=-1) - (k - 1)
    if method == "EB":
        return (W * r2).sum(axis=-1) * k / (k - 1) - k
    s = (W * W * r2).sum(axis=-1)
    if method == "ML":
        return s - sw
    return s - (sw - (W * W).sum(axis=-1) / sw)  # REML: Y'PPY - tr(P)


def loglik(y: np.ndarray, v: np.ndarray, tau2: float, method: str) -> float:
    """(Restricted) log-likelihood up to a constant (ML, REML)."""
    w = 1.0 / (v + tau2)
    sw = w.sum()
    mu = (w * y).sum() / sw
    ll = -0.5 * np.log(v + tau2).sum() - 0.5 * (w * (y - mu) ** 2).sum()
    if method == "REML":
        ll -= 0.5 * np.log(sw)
    return float(ll)


def score_root(y: np.ndarray, v: np.ndarray, method: str) -> float:
    """tau² maximising the (restricted) likelihood (or solving the EB equation) on [0, inf).

    0 when the score at 0 is <= 0; otherwise Brent's root of the score in a bracket grown
    from ``max(100, 10 var(y))`` (the root is a maximum: the score goes from + to -), kept
    only if it beats tau² = 0 (ML, REML). NaN if no bracket is found (not estimable).
    """
    with np.errstate(all="ignore"):
        try:
            return _score_root(y, v, method)
        except (ValueError, RuntimeError, ArithmeticError):  # no sign change, NaN scores
            return float("nan")


def _score_root(y: np.ndarray, v: np.ndarray, method: str) -> float:
    from scipy.optimize import brentq

    s0 = score(y, v, 0.0, method)
    if not np.isfinite(s0):
        return float("nan")
    if s0 <= 0.0:
        return 0.0
    hi = max(100.0, 10.0 * float(np.var(y)))
    while score(y, v, hi, method) > 0.0:
        hi *= 10.0
        if hi > 1e300:
            return float("nan")
    t = brentq(
        lambda x: score(y, v, x, method),
        0.0,
        hi,
        xtol=1e-300,
        rtol=4 * np.finfo(float).eps,
        maxiter=2000,
    )
    if method in ("ML", "REML") and loglik(y, v, 0.0, method) > loglik(y, v, t, method):
        return 0.0
    return float(t)

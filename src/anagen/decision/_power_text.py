"""How a power estimated from simulated trials is written: never exactly 0 or 1.

A power is the share of simulated trials that reached significance. When none (or all) did, the
estimate is 0 (or 1) and its binomial standard error sqrt(p(1 - p)/trials) is 0 too, yet the
true power is only known to lie below 1 - 0.05^(1/trials) (or above 0.05^(1/trials)) with 95 %
confidence: the exact one-sided Clopper-Pearson bound, about 3/trials for many trials (the "rule
of three": Hanley JA, Lippman-Hand A. If nothing goes wrong, is everything all right? JAMA
1983;249:1743-5). Every face that prints a simulated power uses :func:`power_text`.
"""

from __future__ import annotations

import math

__all__ = ["power_se_text", "power_text"]


def power_text(p: float, trials: int, digits: int = 2) -> str:
    """``p`` (a share of ``trials`` simulated trials) as text with ``digits`` decimals.

    None significant reads ``"< u"`` and all significant ``"> 1 - u"``, u = 1 - 0.05^(1/trials)
    (exact 95 % one-sided bounds, rounded outwards); an estimate that would round to 0 or 1 reads ``"< 0.01"`` / ``"> 0.99"``
    (for two digits). NaN reads ``"-"``.

    >>> power_text(0.0, 1000), power_text(0.004, 1000), power_text(0.2345, 1000)
    ('< 0.003', '< 0.01', '0.23')
    >>> power_text(1.0, 200), power_text(0.998, 1000, digits=3)
    ('> 0.985', '0.998')
    """
    if not math.isfinite(p):
        return "-"
    step = 10.0**-digits
    hits = round(p * trials) if trials > 0 else None
    if hits == 0:
        return f"< {_up(1.0 - 0.05 ** (1.0 / trials), 3)}"
    if hits == trials:
        return f"> {_down(0.05 ** (1.0 / trials), 3)}"
    if p < step / 2:
        return f"< {step:.{digits}f}"
    if p >= 1.0 - step / 2:
        return f"> {1.0 - step:.{digits}f}"
    return f"{p:.{digits}f}"


def power_se_text(p: float, trials: int, digits: int = 2) -> str:
    """The binomial Monte-Carlo SE of ``p``, sqrt(p (1 - p) / trials), with ``digits``
    decimals; ``"-"`` where :func:`power_text` prints a bound instead of the estimate (the SE
    would read 0 or round to it there, while the power is only bounded).

    >>> power_se_text(0.2, 1000), power_se_text(0.0, 1000), power_se_text(0.004, 1000)
    ('0.01', '-', '-')
    """
    if power_text(p, trials, digits)[0] in "<>-":
        return "-"
    return f"{math.sqrt(p * (1.0 - p) / trials):.{digits}f}"


def _up(x: float, digits: int) -> str:
    """``x`` rounded up (a bound that stays a bound)."""
    f = 10.0**digits
    return f"{min(1.0, math.ceil(x * f - 1e-9) / f):.{digits}f}"


def _down(x: float, digits: int) -> str:
    f = 10.0**digits
    return f"{max(0.0, math.floor(x * f + 1e-9) / f):.{digits}f}"

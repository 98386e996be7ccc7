"""Deterministic mean-field engine: the Halloy 2002 ODE and its generalisation.

Halloy et al. 2002 [S2] give a deterministic version of the follicular automaton; as encoded in
CellML [S3][S9] (and SBML [S10]) it reads, for fractions of follicles in anagen A, telogen T and
latency L::

    dA/dt = L/mu_L - A/mu_A,   dT/dt = A/mu_A - T/mu_T,   dL/dt = T/mu_T - L/mu_L

(the ``M``/``epsilon`` term is 0 in the published parameter set and is left out: as encoded it
does not conserve follicles, reference section 2.2). Each phase is left at rate ``1/mu``, so this
is the mean-field limit of the automaton with *exponential* durations. :func:`halloy2002` solves
it with :func:`scipy.integrate.solve_ivp`.

Generalisation (used by ``simulate(..., engine="meanfield")``): each phase with coefficient of
variation ``cv`` becomes a chain of ``k = max(1, round(1/cv^2))`` exponential stages (the linear
chain trick: an Erlang duration with the same mean and nearly the same CV; exact for
``exponential`` and for ``gamma`` with integer ``1/cv^2``). Catagen, a fixed duration, is a
chain of :data:`CATAGEN_STAGES` stages. Follicle-to-follicle sensitivity is represented by
:data:`SENSITIVITY_CLASSES` equiprobable classes. Pattern hair loss is tracked on a grid of accumulated
miniaturisation ``q`` (step ``critical_cycles / Q_BINS``): a completed cycle moves mass from
``q`` to ``q (1 - reversal) + increment``, split linearly between the two neighbouring grid
points (mass and mean conserved). The system is linear and piecewise constant in time, so it is
solved exactly between breakpoints by :func:`scipy.sparse.linalg.expm_multiply`.
Approximation: in this engine a modulation's ``anagen_factor`` applies to every follicle in
anagen during the epoch, not only to those entering anagen then.

References
----------
.. [S2] Halloy J, Bernard BA, Loussouarn G, Goldbeter A. The follicular automaton model: effect
   of stochasticity and of synchronization of hair cycles. J Theor Biol 2002.
.. [S3] Physiome JSim model halloy_bernard_loussouarn_goldbeter_2002 (Model Status).
.. [S9] CellML export of the same model, ``initConsts`` (mu_A 3.6, mu_T 2.4, mu_L 2.0, eps 0;
   A, T, L = 0.34, 0.33, 0.33).
.. [S10] BioModels MODEL1006230014 (Halloy2002_FollicularAutomaton).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.integrate import solve_ivp
from scipy.sparse.linalg import expm_multiply

from anagen.scalp._kernels import ANAGEN, CATAGEN, DEAD, LATENCY, N_PHASES, TELOGEN
from anagen.scalp._modulation import ZONE_NAMES, Modulation
from anagen.scalp.params import CycleParams, ScalpParams
from anagen.scalp.state import ScalpState
from anagen.scalp.trajectory import ScalpTrajectory

__all__ = [
    "CATAGEN_STAGES",
    "HALLOY_2002",
    "Q_BINS",
    "cycle_meanfield",
    "halloy2002",
    "halloy2002_steady_state",
    "run_meanfield",
]

CATAGEN_STAGES = 4
Q_BINS = 48
SENSITIVITY_CLASSES = 5
#: Mean-field parameters of Halloy 2002, Fig. 5(d) set, in months [S9][S10].
HALLOY_2002 = {"mu_A": 3.6, "mu_T": 2.4, "mu_L": 2.0, "A0": 0.34, "T0": 0.33, "L0": 0.33}


def halloy2002(
    t: np.ndarray,
    mu_a: float = 3.6,
    mu_t: float = 2.4,
    mu_l: float = 2.0,
    a0: float = 0.34,
    t0: float = 0.33,
    l0: float = 0.33,
) -> dict[str, np.ndarray]:
    """Solve the Halloy 2002 mean-field ODE [S3][S9] at times ``t`` (same unit as the means)."""

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        a, tt, lat = y
        return np.array([lat / mu_l - a / mu_a, a / mu_a - tt / mu_t, tt / mu_t - lat / mu_l])

    t = np.asarray(t, dtype=float)
    sol = solve_ivp(rhs, (0.0, float(t[-1])), [a0, t0, l0], t_eval=t, rtol=1e-10, atol=1e-12)
    return {"anagen": sol.y[0], "telogen": sol.y[1], "latency": sol.y[2]}


def halloy2002_steady_state(
    mu_a: float = 3.6, mu_t: float = 2.4, mu_l: float = 2.0
) -> dict[str, float]:
    """Steady state ``mu_i / sum(mu)`` of the 2002 ODE: 0.45 / 0.30 / 0.25 for the [S9] set."""
    s = mu_a + mu_t + mu_l
    return {"anagen": mu_a / s, "telogen": mu_t / s, "latency": mu_l / s}


def _stages(dist: str, cv: float) -> int:
    return 1 if dist == "exponential" else max(1, round(1.0 / (cv * cv)))


@dataclass(frozen=True)
class _Layout:
    ka: int
    kc: int
    kt: int
    kl: int
    n_bins: int
    h: float

    @property
    def per_bin(self) -> int:
        return self.ka + self.kc + self.kt + self.kl

    @property
    def dead(self) -> int:
        return self.n_bins * self.per_bin

    @property
    def shed(self) -> int:
        return self.dead + 1

    @property
    def size(self) -> int:
        return self.dead + 2

    def offsets(self) -> tuple[int, int, int, int]:
        return 0, self.ka, self.ka + self.kc, self.ka + self.kc + self.kt

    def phase_of_stage(self) -> np.ndarray:
        codes = [ANAGEN] * self.ka + [CATAGEN] * self.kc + [TELOGEN] * self.kt + [LATENCY] * self.kl
        return np.array(codes)


def _layout(params: ScalpParams, n_bins: int = Q_BINS) -> _Layout:
    c = params.cycle
    return _Layout(
        ka=_stages(c.distribution, c.anagen_cv),
        kc=CATAGEN_STAGES if c.catagen_days > 0 else 0,
        kt=_stages(c.distribution, c.telogen_cv),
        kl=_stages(c.distribution, c.latency_cv),
        n_bins=n_bins,
        h=params.aga.critical_cycles / n_bins,
    )


def _miniaturisation(params: ScalpParams, lay: _Layout) -> np.ndarray:
    q = np.arange(lay.n_bins) * lay.h
    return np.minimum(q / params.aga.cycles_to_vellus, 1.0)


def _matrix(
    params: ScalpParams, lay: _Layout, inc: float, fa: float, fl: float, fp: float, rev: float
) -> sp.csr_matrix:
    """Generator ``M`` of ``dx/dt = M x`` for one group in one epoch."""
    c, a = params.cycle, params.aga
    m = _miniaturisation(params, lay)
    mean_a = c.anagen_mean_days * np.exp(np.log(a.vellus_anagen_days / c.anagen_mean_days) * m) * fa
    mean_l = (
        c.latency_mean_days * np.exp(np.log(a.vellus_latency_days / c.latency_mean_days) * m) * fl
    )
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    S = lay.per_bin
    base = np.arange(lay.n_bins) * S

    def flow(src: np.ndarray, dst: np.ndarray, rate: np.ndarray) -> None:
        rows.extend([dst, src])
        cols.extend([src, src])
        vals.extend([rate, -rate])

    oa, oc, ot, ol = lay.offsets()
    rate_a = lay.ka / mean_a
    for s in range(lay.ka - 1):
        flow(base + oa + s, base + oa + s + 1, rate_a)
    nxt = oc if lay.kc else ot
    flow(base + oa + lay.ka - 1, base + nxt, rate_a)
    if lay.kc:
        rate_c = np.full(lay.n_bins, lay.kc / c.catagen_days)
        for s in range(lay.kc - 1):
            flow(base + oc + s, base + oc + s + 1, rate_c)
        flow(base + oc + lay.kc - 1, base + ot, rate_c)
    rate_t = np.full(lay.n_bins, lay.kt / c.telogen_mean_days)
    for s in range(lay.kt - 1):
        flow(base + ot + s, base + ot + s + 1, rate_t)
    last_t = base + ot + lay.kt - 1
    flow(last_t, base + ol, rate_t)
    # shed counter: accumulates the telogen -> latency flux without removing mass
    rows.append(np.full(lay.n_bins, lay.shed))
    cols.append(last_t)
    vals.append(rate_t)
    rate_l = lay.kl / mean_l
    for s in range(lay.kl - 1):
        flow(base + ol + s, base + ol + s + 1, rate_l)
    # cycle completion: latency -> anagen of the bin of the new miniaturisation
    last_l = base + ol + lay.kl - 1
    q_new = np.arange(lay.n_bins) * lay.h * (1.0 - rev) + inc * fp
    pos = q_new / lay.h
    lo = np.floor(pos).astype(np.int64)
    w_hi = pos - lo
    for target, w in ((lo, 1.0 - w_hi), (lo + 1, w_hi)):
        alive = target < lay.n_bins
        dst = np.where(alive, target * S + oa, lay.dead)
        r = rate_l * w
        keep = r > 0
        rows.extend([dst[keep], last_l[keep]])
        cols.extend([last_l[keep], last_l[keep]])
        vals.extend([r[keep], -r[keep]])
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(lay.size, lay.size),
    )


def _initial_vector(
    params: ScalpParams, lay: _Layout, st: ScalpState, mask: np.ndarray
) -> np.ndarray:
    """Place the follicles of ``mask`` in the compartments (stage from the residual time)."""
    c, a = params.cycle, params.aga
    x = np.zeros(lay.size)
    ph = st.phase[mask]
    resid = np.maximum(st.t_exit[mask], 0.0)
    q = st.q[mask].astype(float)
    x[lay.dead] = np.count_nonzero(ph == DEAD)
    live = ph != DEAD
    ph, resid, q = ph[live], resid[live], q[live]
    pos = np.minimum(q / lay.h, lay.n_bins - 1)
    lo = np.floor(pos).astype(np.int64)
    w_hi = pos - lo
    mm = np.minimum(q / a.cycles_to_vellus, 1.0)
    oa, oc, ot, ol = lay.offsets()
    k_of = {ANAGEN: lay.ka, CATAGEN: lay.kc, TELOGEN: lay.kt, LATENCY: lay.kl}
    off_of = {ANAGEN: oa, CATAGEN: oc, TELOGEN: ot, LATENCY: ol}
    mean = np.select(
        [ph == ANAGEN, ph == CATAGEN, ph == TELOGEN],
        [
            c.anagen_mean_days * np.exp(np.log(a.vellus_anagen_days / c.anagen_mean_days) * mm),
            np.full(ph.size, max(c.catagen_days, 1e-12)),
            np.full(ph.size, c.telogen_mean_days),
        ],
        c.latency_mean_days * np.exp(np.log(a.vellus_latency_days / c.latency_mean_days) * mm),
    )
    k = np.array([k_of[int(p)] for p in range(4)])[ph]
    off = np.array([off_of[int(p)] for p in range(4)])[ph]
    remaining = np.clip(np.ceil(resid / (mean / np.maximum(k, 1))), 1, k)
    stage = off + (k - remaining).astype(np.int64)
    S = lay.per_bin
    hi = np.minimum(lo + 1, lay.n_bins - 1)
    np.add.at(x, lo * S + stage, 1.0 - w_hi)
    np.add.at(x, hi * S + stage, w_hi)
    return x


def _observe(params: ScalpParams, lay: _Layout, X: np.ndarray, d0_mean: float):
    """Phase counts, terminal/vellus hairs and diameter sums from compartment vectors ``X``."""
    a = params.aga
    S = lay.per_bin
    m = _miniaturisation(params, lay)
    d = d0_mean * (1.0 - m) + a.vellus_diameter_um * m
    body = X[:, : lay.dead].reshape(X.shape[0], lay.n_bins, S)
    stage_phase = lay.phase_of_stage()
    counts = np.zeros((X.shape[0], N_PHASES))
    for p in range(4):
        counts[:, p] = body[:, :, stage_phase == p].sum(axis=(1, 2))
    counts[:, DEAD] = X[:, lay.dead]
    hairs = body[:, :, stage_phase < LATENCY].sum(axis=2)  # (T, bins)
    term = d >= a.vellus_threshold_um
    return (
        counts,
        hairs[:, term].sum(axis=1),
        hairs[:, ~term].sum(axis=1),
        hairs @ d,
        X[:, lay.shed],
    )


def run_meanfield(
    params: ScalpParams, state: ScalpState, t: np.ndarray, mod: Modulation
) -> ScalpTrajectory:
    """Expected trajectory of ``state`` under ``params`` and ``mod`` (see module docstring)."""
    lay = _layout(params)
    nz = len(ZONE_NAMES)
    sens = np.asarray(params.zones.sensitivity(state.sex))
    pace = params.aga.pace(state.sex)
    days = float(t[-1])
    # groups: (current zone, zone of origin, sensitivity class) -> vector; the classes are
    # equiprobable quantile bins of the follicles' own sensitivity multipliers
    groups: dict[tuple[int, int, int], np.ndarray] = {}
    d0_mean = float(state.d0.mean()) if state.n_follicles else params.aga.terminal_diameter_um
    if state.n_follicles and np.ptp(state.sens) > 0:
        edges = np.quantile(state.sens, np.linspace(0, 1, SENSITIVITY_CLASSES + 1)[1:-1])
        cls = np.searchsorted(edges, state.sens)
    else:
        cls = np.zeros(state.n_follicles, dtype=np.int64)
    mult = np.array(
        [
            state.sens[cls == c].mean() if np.any(cls == c) else 1.0
            for c in range(cls.max(initial=0) + 1)
        ]
    )
    for z in range(nz):
        for o in range(nz):
            for c in range(mult.size):
                mask = (state.zone == z) & (state.origin == o) & (cls == c)
                if mask.any():
                    groups[(z, o, c)] = _initial_vector(params, lay, state, mask)
    breaks = {0.0, days, *[float(b) for b in mod.t_days if 0 < b < days]}
    if 0 < state.aga_start_day < days:
        breaks.add(float(state.aga_start_day))
    transplants = sorted((tp for tp in mod.transplants if tp.day <= days), key=lambda tp: tp.day)
    breaks.update(tp.day for tp in transplants if tp.day > 0)
    grid = np.array(sorted(breaks.union(t.tolist())))
    ns = t.size
    counts = np.zeros((ns, nz, N_PHASES))
    term = np.zeros((ns, nz))
    vel = np.zeros((ns, nz))
    dsum = np.zeros((ns, nz))
    shed_cum = np.zeros((ns, nz))
    cache: dict[tuple, sp.csr_matrix] = {}

    def record(k: int) -> None:
        for (z, _o, _c), x in groups.items():
            c_, tm, vl, ds, sh = _observe(params, lay, x[None, :], d0_mean)
            counts[k, z] += c_[0]
            term[k, z] += tm[0]
            vel[k, z] += vl[0]
            dsum[k, z] += ds[0]
            shed_cum[k, z] += sh[0]

    def apply_transplants(day: float) -> None:
        for tp in transplants:
            if tp.day != day:
                continue
            src, dst = ZONE_NAMES.index(tp.from_zone), ZONE_NAMES.index(tp.to_zone)
            donors = [g for g in groups if g[0] == src]
            alive = sum(groups[g][: lay.dead].sum() for g in donors)
            if alive <= 0:
                continue
            frac = min(tp.n_follicles * state.scale / alive, 1.0)
            for g in donors:
                x = groups[g]
                moved = x[: lay.dead] * frac
                x[: lay.dead] -= moved
                x[lay.dead] += moved.sum() * (1.0 - tp.survival)
                new = groups.setdefault((dst, g[1], g[2]), np.zeros(lay.size))
                new[: lay.dead] += moved * tp.survival

    k = 0
    apply_transplants(0.0)
    if t[0] == 0.0:
        record(0)
        k = 1
    for t0, t1 in itertools.pairwise(grid):
        e = mod.epoch_at(t0)
        active = t0 >= state.aga_start_day
        for (z, o, c), x in list(groups.items()):
            key = (z, o, c, e, active)
            if key not in cache:
                cache[key] = _matrix(
                    params,
                    lay,
                    pace * sens[o] * mult[c] if active else 0.0,
                    mod.anagen_factor[e, z],
                    mod.latency_factor[e, z],
                    mod.progression_factor[e, z],
                    mod.reversal[e, z],
                )
            groups[(z, o, c)] = expm_multiply(cache[key] * (t1 - t0), x)
        apply_transplants(float(t1))
        while k < ns and t[k] <= t1 + 1e-9:
            record(k)
            k += 1
    shed = np.diff(shed_cum, axis=0, prepend=shed_cum[:1])
    return ScalpTrajectory(
        t_days=t,
        counts=counts,
        terminal=term,
        vellus=vel,
        diameter_sum_um=dsum,
        shed=shed,
        scale=state.scale,
        area_cm2=np.asarray(params.zones.area_cm2),
        sex=state.sex,
        age_years=state.age_years,
        engine="meanfield",
        visible_loss=params.staging.visible_loss,
        baseline_density_per_cm2=np.asarray(params.zones.hair_density_per_cm2),
    )


def cycle_meanfield(
    cycle: CycleParams, t: np.ndarray, initial: dict[str, float]
) -> dict[str, np.ndarray]:
    """Phase fractions of the generalised mean-field cycle (no pattern hair loss).

    ``initial`` gives the fraction of follicles *entering* each phase at ``t = 0`` (first stage
    of its chain). With exponential durations and ``catagen_days = 0`` this is exactly the
    Halloy 2002 ODE.
    """
    from anagen.scalp.params import default_params

    base = default_params()
    d = base.to_dict()
    d["cycle"].update({f: getattr(cycle, f) for f in d["cycle"]})
    from anagen.scalp.params import params_from_dict

    params = params_from_dict(d)
    lay = _layout(params, n_bins=1)
    oa, oc, ot, ol = lay.offsets()
    x0 = np.zeros(lay.size)
    x0[oa] = initial.get("anagen", 0.0)
    if lay.kc:
        x0[oc] = initial.get("catagen", 0.0)
    x0[ot] = initial.get("telogen", 0.0)
    x0[ol] = initial.get("latency", 0.0)
    M = _matrix(params, lay, 0.0, 1.0, 1.0, 1.0, 0.0)
    t = np.asarray(t, dtype=float)
    X = expm_multiply(M, x0, start=float(t[0]), stop=float(t[-1]), num=t.size, endpoint=True)
    counts, *_ = _observe(params, lay, X, params.aga.terminal_diameter_um)
    return {
        name: counts[:, i] for i, name in enumerate(("anagen", "catagen", "telogen", "latency"))
    }

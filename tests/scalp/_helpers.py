"""Shared by the scalp tests that compare two runs bit for bit."""

from __future__ import annotations

import numpy as np


def trajectory_arrays(traj) -> tuple[np.ndarray, ...]:
    """Every output array of a run (trajectory tables, final state, number of draws)."""
    fs = traj.final_state
    return (
        traj.counts, traj.terminal, traj.vellus, traj.diameter_sum_um, traj.shed,
        fs.phase, fs.t_exit, fs.q, fs.diam, fs.zone, np.array([traj.n_draws]),
    )  # fmt: skip

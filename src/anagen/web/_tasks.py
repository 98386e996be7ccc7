"""The work done by background jobs, in worker processes: call the library, return plain data.

Each task takes a validated payload (plain dict) and returns JSON-ready data built from the
library's answer objects (``to_dict()``); no number is computed here. Progress goes to the
queue given to :func:`init_worker` as ``(job_id, done, total)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["init_worker", "run_task"]

_QUEUE: Any = None


def init_worker(queue: Any) -> None:
    """Process-pool initializer: remember the progress queue; run below the web server's
    priority, so page loads stay quick while a job computes."""
    global _QUEUE
    _QUEUE = queue
    import os

    try:
        os.nice(5)
    except (AttributeError, OSError):  # pragma: no cover - not on this platform
        pass


def _progress(job_id: str, done: float, total: float) -> None:
    if _QUEUE is not None:
        try:
            _QUEUE.put_nowait((job_id, float(done), float(total)))
        except Exception:  # pragma: no cover - a full or closed queue only loses progress
            pass


def _plain(x: Any) -> Any:
    """Numpy arrays/scalars to lists/floats; non-finite floats to None (valid JSON)."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return [_plain(v) for v in x.tolist()]
    if isinstance(x, np.generic):
        return _plain(x.item())
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _assessment(job_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    from anagen.decision import assess_patient, render_pdf, render_report
    from anagen.therapy import Patient

    patient = Patient.from_dict(payload["patient"])
    _progress(job_id, 0, 1)
    a = assess_patient(
        patient,
        protocols=payload.get("protocols") or None,
        seed=int(payload.get("seed", 0)),
        source=str(payload.get("source", "posterior")),
        n_draws=int(payload["n_draws"]),
        n_follicles=int(payload["n_follicles"]),
    )
    _progress(job_id, 1, 1)
    from anagen.decision import report_figures

    figures = report_figures(a)  # drawn once, for both files
    d = _plain(a.to_dict())
    # the date of the evidence behind it, as the CLI's JSON and the report give it
    d["evidence_date"] = getattr(a.evidence, "evidence_date", None) or None
    return {
        "assessment": d,
        "report_html": render_report(a, figures),
        "report_pdf": render_pdf(a, figures),  # the library's PDF (the same as assess --report)
    }


def _power(job_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    from anagen.decision import power_curve, sample_size, trial_from_dict

    spec = trial_from_dict(payload["trial"])
    state = {"done": 0}
    if payload["mode"] == "curve":
        ns = sorted(set(payload["n_values"]))
        total = spec.trials

        def advance(k: int) -> None:
            state["done"] += k
            _progress(job_id, min(state["done"], total), total)

        curve = power_curve(spec, ns, scheduler="synchronous", advance=advance)
    else:
        # doubling batches: the number of batches is not known in advance; progress counts
        # trials simulated in batches so far against one batch per doubling up to max_n
        max_n = int(payload["max_n"])
        batches = max(1, math.ceil(math.log2(max(max_n, 4) / 4)) + 1)
        total = spec.trials * batches

        def advance(k: int) -> None:
            state["done"] += k
            _progress(job_id, min(state["done"], total), total)

        curve = sample_size(
            spec, float(payload["target"]), max_n=max_n, scheduler="synchronous", advance=advance
        )
    _progress(job_id, 1, 1)
    from anagen.decision._trial import _unit

    return {"power": _plain(curve.to_dict()), "unit": _unit(spec)}


def _calibration(job_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Refit the model to the curated trials (``anagen.decision.calibrate``)
    with the requested size, then the leave-one-study-out check of that fit."""
    from anagen.decision import calibrate, leave_one_study_out

    state = {"done": 0}

    def progress(k: int) -> None:
        state["done"] += k
        _progress(job_id, state["done"], 0)  # the total is not known in advance

    cal = calibrate(
        n_draws=int(payload["n_draws"]),
        quantile=float(payload["quantile"]),
        seed=int(payload["seed"]),
        scheduler="synchronous",
        progress=progress,
    )
    loso = leave_one_study_out(cal)
    return {
        "calibration": _plain(
            {
                "n_draws": payload["n_draws"],
                "quantile": payload["quantile"],
                "seed": payload["seed"],
                "runtime_s": cal.runtime_s,
                "family_evidence": cal.posterior.family_evidence(),
                "loso": loso.to_dict(),
            }
        )
    }


_TASKS = {"assessment": _assessment, "power": _power, "calibration": _calibration}


def run_task(kind: str, job_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Run one job; :class:`anagen.InputError` propagates (the job fails with its message)."""
    return _TASKS[kind](job_id, payload)

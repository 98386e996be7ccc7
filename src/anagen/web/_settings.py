"""Settings of the web app: passed to :func:`anagen.web.create_app`, never read at import."""

from __future__ import annotations

from dataclasses import dataclass

from anagen.decision._size import DEFAULT_SIZE

__all__ = ["Settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    """How one app instance runs.

    Attributes
    ----------
    db_url
        Registry database (SQLAlchemy URL); ``None`` uses the registry's default (SQLite).
    workers
        Processes that run background jobs (assessment, power, sample size).
    assess_draws, assess_follicles
        Size of each assessment (``anagen.decision.assess_patient``: ``n_draws``,
        ``n_follicles``); by default the command line's (:data:`anagen.decision.DEFAULT_SIZE`).
    trial_max_trials
        Largest number of simulated trials a power job may ask for.
    max_upload_bytes
        Largest accepted upload ("pool your own CSV") and request body.
    max_jobs
        Jobs kept in memory (oldest finished ones are forgotten first).
    secure_cookies
        Mark cookies ``Secure`` (on unless serving plain HTTP on a loopback address).
    registry_draws
        Parameter draws of the prediction frozen with each registry treatment (by default the
        same as an assessment's: one person, one answer).
    calibration_max_draws
        Largest refit (prior draws per block) a calibration job may ask for.
    """

    db_url: str | None = None
    workers: int = 1
    assess_draws: int = DEFAULT_SIZE.n_draws
    assess_follicles: int = DEFAULT_SIZE.n_follicles
    trial_max_trials: int = 500
    max_upload_bytes: int = 256 * 1024
    max_jobs: int = 500
    secure_cookies: bool = True
    registry_draws: int = DEFAULT_SIZE.n_draws
    calibration_max_draws: int = 1000

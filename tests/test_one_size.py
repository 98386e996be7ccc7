"""One person, one answer: every face computes an assessment at the same default size.

The web app used 30 parameter draws and the registry's frozen predictions 20 draws x 4,000
follicles x 2 scalps, while the command line used 60 x 8,000 x 4: the same person saw other
numbers in each face. Every default now comes from :data:`anagen.decision.DEFAULT_SIZE`.
"""

from __future__ import annotations

import inspect

from typer.main import get_command

from anagen.cli import app
from anagen.decision import DEFAULT_SIZE, assess_patient
from anagen.registry._prediction import PredictionSettings
from anagen.registry.service import TreatmentIn
from anagen.web import Settings


def _defaults(*path: str) -> dict[str, object]:
    cmd = get_command(app)
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    return {p.name: p.default for p in cmd.params}


def test_library_web_and_registry_default_to_one_size():
    sig = inspect.signature(assess_patient).parameters
    size = (DEFAULT_SIZE.n_draws, DEFAULT_SIZE.n_follicles, DEFAULT_SIZE.n_scalps)
    assert (sig["n_draws"].default, sig["n_follicles"].default, sig["n_scalps"].default) == size
    assert sig["seed"].default == DEFAULT_SIZE.seed
    web = Settings()
    assert (web.assess_draws, web.assess_follicles) == size[:2]
    assert web.registry_draws == DEFAULT_SIZE.n_draws  # the web form and the JSON API
    assert PredictionSettings().key() == (*size, DEFAULT_SIZE.seed)
    t = TreatmentIn.model_fields
    assert (t["n_draws"].default, t["n_follicles"].default) == size[:2]
    assert t["seed"].default == DEFAULT_SIZE.seed


def test_every_command_defaults_to_one_size():
    for path in (("assess",), ("therapy", "simulate"), ("therapy", "compare")):
        d = _defaults(*path)
        assert (d["draws"], d["follicles"], d["seed"]) == (
            DEFAULT_SIZE.n_draws,
            DEFAULT_SIZE.n_follicles,
            DEFAULT_SIZE.seed,
        ), path
    assert _defaults("serve")["draws"] == DEFAULT_SIZE.n_draws
    d = _defaults("registry", "treatment", "add")
    assert (d["draws"], d["follicles"], d["seed"]) == (
        DEFAULT_SIZE.n_draws,
        DEFAULT_SIZE.n_follicles,
        DEFAULT_SIZE.seed,
    )

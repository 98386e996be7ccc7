"""Every lazily exported public name resolves to an object of its declared module."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = ["anagen.evidence", "anagen.decision", "anagen.registry"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves(package):
    mod = importlib.import_module(package)
    assert mod.__all__, f"{package} exports nothing"
    for name in mod.__all__:
        value = getattr(mod, name)
        owner = importlib.import_module(f"{package}.{mod._PUBLIC[name]}")
        assert getattr(owner, name) is value
        assert name in dir(mod)


@pytest.mark.parametrize("package", PACKAGES)
def test_unknown_name_is_attribute_error(package):
    mod = importlib.import_module(package)
    with pytest.raises(AttributeError, match="no_such_name"):
        mod.no_such_name  # noqa: B018

"""Protocol files: the shipped ones load; bad input names the key, what is allowed, what was got."""

from __future__ import annotations

import copy

import pytest

from anagen.errors import InputError
from anagen.therapy import PRODUCTS, SOURCES, Protocol, load_protocol, protocol_paths


def test_every_shipped_protocol_loads_and_cites_listed_sources():
    paths = protocol_paths()
    assert len(paths) >= 6
    products = set()
    for p in paths.values():
        proto = load_protocol(p)
        assert proto.protocol.sources, p
        assert all(t in SOURCES for t in proto.protocol.sources)
        products.add(proto.product.key)
    # SVF-type, micrografts, bone marrow and cell-free products are all represented
    assert {
        "svf_enriched_fat",
        "svf",
        "hf_micrografts",
        "bone_marrow_cells",
        "adsc_conditioned_medium",
        "exosomes",
    } <= products


def test_session_days():
    proto = load_protocol(protocol_paths()["gentile2019_micrografts"])
    assert proto.sessions.days == (0.0, 45.0, 90.0)  # 3 injections, 45-day intervals [T31]


def _set(d: dict, dotted: str, value) -> dict:
    d = copy.deepcopy(d)
    *path, last = dotted.split(".")
    node = d
    for k in path:
        node = node[k]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return d


_DELETE = object()


@pytest.mark.parametrize(
    ("key", "value", "field", "allowed"),
    [
        ("injection.volume_per_point_ml", 1.0, "injection.volume_per_point_ml", "<= 0.2"),
        ("injection.volume_per_point_ml", -0.1, "injection.volume_per_point_ml", "> 0"),
        ("protocol.product", "unicorn_cells", "protocol.product", "one of"),
        ("processing.method", "blender", "processing.method", "one of"),
        ("processing.method", "mechanical", "processing.method", "for product 'svf_enriched_fat'"),
        ("harvest.fat_g", -5.0, "harvest.fat_g", "> 0"),
        ("harvest.fat_g", 900.0, "harvest.fat_g", "<= 500"),
        ("harvest.source", "bone_marrow", "harvest.marrow_ml", "given for"),
        ("injection.zones", [], "injection.zones", "at least 1"),
        ("injection.zones", [{"zone": "crown", "area_cm2": 10}], "injection.zones.zone", "one of"),
        (
            "injection.zones",
            [{"zone": "frontal", "area_cm2": 5}, {"zone": "frontal", "area_cm2": 5}],
            "injection.zones",
            "each zone listed once",
        ),
        (
            "injection.zones",
            [{"zone": "frontal", "area_cm2": -5}],
            "injection.zones.0.area_cm2",
            "> 0",
        ),
        ("injection.grid_spacing_cm", 0.0, "injection.grid_spacing_cm", ">= 0.1"),
        ("sessions.count", 0, "sessions.count", ">= 1"),
        ("sessions.count", 3, "sessions.interval_days", "> 0 when"),
        ("protocol.sources", ["T999"], "protocol.sources", "tags listed"),
        ("injection.colour", "blue", "injection.colour", "not a known key"),
        ("injection", _DELETE, "injection", "present"),
    ],
)
def test_bad_protocol_names_the_key(style_dict, key, value, field, allowed):
    with pytest.raises(InputError) as exc:
        Protocol.from_dict(_set(style_dict, key, value), file="p.toml")
    msg = str(exc.value)
    assert f"'{field}'" in msg and allowed in msg and msg.startswith("p.toml: "), msg


def test_volume_message_is_exact(style_dict):
    with pytest.raises(InputError) as exc:
        Protocol.from_dict(_set(style_dict, "injection.volume_per_point_ml", 1.0))
    assert str(exc.value) == "'injection.volume_per_point_ml' must be <= 0.2, got 1.0"


def test_cells_per_cm2_rejected_for_cell_free(style_dict):
    d = _set(style_dict, "protocol.product", "exosomes")
    d = _set(d, "harvest", {"source": "none", "product_ml": 3.0})
    d = _set(d, "processing.method", "exosome_isolation")
    with pytest.raises(InputError, match=r"'injection\.cells_per_cm2'"):
        Protocol.from_dict(d)
    del d["injection"]["cells_per_cm2"]
    assert Protocol.from_dict(d).product is PRODUCTS["exosomes"]


def test_broken_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[protocol\nname = 1")
    with pytest.raises(InputError, match="not valid TOML"):
        load_protocol(bad)
    with pytest.raises(InputError, match="file not found"):
        load_protocol(tmp_path / "nope.toml")

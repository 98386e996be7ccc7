"""The evidence-summary cache: a hit gives the same summary, a miss, a corrupt file, another
input or the cache turned off all fall back to computing; an ``assess`` prints the same bytes
with an empty and a warm cache."""

from __future__ import annotations

import json
import pickle

import pytest

from anagen.evidence import _cache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ANAGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ANAGEN_NO_CACHE", raising=False)
    monkeypatch.setenv("ANAGEN_EVIDENCE_DATA", "bundled")
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def summary():
    from anagen.evidence import summarise_evidence

    return summarise_evidence()


def _same(a, b) -> bool:  # NaN-aware (NaN != NaN in a dict comparison)
    return json.dumps(a.to_dict(), sort_keys=True) == json.dumps(b.to_dict(), sort_keys=True)


def _files(d):
    return sorted(p for p in d.glob("*") if p.is_file()) if d.is_dir() else []


def test_miss_store_hit(cache, summary):
    key = _cache.summary_key()
    assert _cache.load_summary(key) is None  # empty cache
    _cache.store_summary(key, summary)
    (f,) = _files(cache)  # one file, no temporary left behind
    assert f.name.startswith("evidence-summary-")
    hit = _cache.load_summary(key)
    assert hit is not None and hit is not summary
    assert _same(hit, summary)
    assert _same(_cache.CachedSummary(_cache.read_payload(key)).result(), summary)


@pytest.mark.parametrize("damage", ["flip", "truncate", "magic", "empty"])
def test_corrupt_file_is_a_miss(cache, summary, damage):
    key = _cache.summary_key()
    _cache.store_summary(key, summary)
    (f,) = _files(cache)
    raw = bytearray(f.read_bytes())
    if damage == "flip":
        raw[-10] ^= 0xFF
    elif damage == "truncate":
        raw = raw[: len(raw) // 2]
    elif damage == "magic":
        raw[:6] = b"xxxxxx"
    else:
        raw = bytearray()
    f.write_bytes(bytes(raw))
    assert _cache.read_payload(key) is None
    assert _cache.load_summary(key) is None


def test_verified_entry_that_is_not_a_summary_is_computed(cache, summary):
    key = _cache.summary_key()
    _cache.store_summary(key, summary)
    # a well-formed entry holding something else (another version's object, say)
    payload = pickle.dumps({"not": "a summary"})
    f = _files(cache)[0]
    import hashlib

    digest = hashlib.sha256(key.encode() + payload).hexdigest().encode()
    f.write_bytes(b"anagen-cache 1\n" + digest + b"\n" + payload)
    assert _cache.read_payload(key) == payload
    assert _cache.load_summary(key) is None
    got = _cache.CachedSummary(payload).result()  # falls back to computing
    assert _same(got, summary)


def test_key_follows_the_inputs(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("ANAGEN_EVIDENCE_DIR", str(tmp_path / "user"))
    bundled, all_ = _cache.summary_key("bundled"), _cache.summary_key("all")
    assert bundled != all_
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "studies.csv").write_text("row_id\nx\n", encoding="utf-8")
    assert _cache.summary_key("all") != all_  # the user's rows are an input
    assert _cache.summary_key("bundled") == bundled  # ...but not of the bundled selection


def test_cache_off_and_unwritable(cache, summary, monkeypatch, tmp_path):
    key = _cache.summary_key()
    monkeypatch.setenv("ANAGEN_NO_CACHE", "1")
    _cache.store_summary(key, summary)
    assert _files(cache) == [] and _cache.load_summary(key) is None
    monkeypatch.delenv("ANAGEN_NO_CACHE")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("ANAGEN_CACHE_DIR", str(blocker / "cache"))
    _cache.store_summary(key, summary)  # cannot be written: ignored, no error
    assert _cache.load_summary(key) is None


def test_default_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("ANAGEN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _cache.cache_dir() == tmp_path / "anagen"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_assess_same_output_empty_and_warm_cache(cache, capsys, workers):
    from anagen.cli import main

    args = ["assess", "--example", "--draws", "6", "--follicles", "3000", "--protocol",
            "kim2021_svf", "--workers", workers, "--format", "json"]  # fmt: skip
    assert main(args) == 0
    cold = capsys.readouterr().out
    assert len(_files(cache)) == 1  # the first run filled the cache
    assert main(args) == 0
    warm = capsys.readouterr().out
    assert warm == cold
    d = json.loads(warm)
    assert d["evidence_date"] and d["options"][0]["certainty"]

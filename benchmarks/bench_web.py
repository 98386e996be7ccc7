"""Benchmark: the web app under load — 20 concurrent clients for 60 s against 127.0.0.1.

Run: ``python benchmarks/bench_web.py`` (or ``python benchmarks/run.py web``); options
``--clients 20 --seconds 60 --workers 1 --seed 1``.

Starts ``anagen serve`` (a real uvicorn server, default assessment size) on a free loopback
port, then:

1. baseline: one client for 10 s, same request mix (no concurrency);
2. load: ``--clients`` clients for ``--seconds`` s. Each client loops: a page load (70 %: home,
   assessment form, evidence explorer, trial designer, sources), an evidence query (20 %:
   studies with a random filter, the CSV, the pooled summary) or an assessment submission
   (10 %: one of six people, then polling its job until done, as the result page does).

Prints p50/p95/max latency of reads (pages + evidence queries), the ratio of loaded to
baseline p95 and of p95 to the 300 ms target, jobs submitted / distinct / completed, errors
(any status >= 400 or transport error) and the machine load (``os.getloadavg()``: other work
on the machine slows the server too). Identical submissions share one computation (one seed,
one answer), so the distinct-job count is what the pool actually computed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time

import httpx
import numpy as np
from _fresh import fresh_env

PAGES = ["/", "/assess", "/evidence", "/trials", "/sources"]
PEOPLE = [
    {"age": 45, "sex": "M", "stage": "III", "years_since_onset": 6},
    {"age": 32, "sex": "M", "stage": "IIa", "years_since_onset": 3},
    {"age": 58, "sex": "M", "stage": "V", "years_since_onset": 20, "bmi": 29},
    {"age": 38, "sex": "F", "stage": "II-1", "years_since_onset": 5},
    {
        "age": 51,
        "sex": "F",
        "stage": "I-3",
        "years_since_onset": 8,
        "health": {"low_dose_aspirin": True},
    },
    {"age": 27, "sex": "M", "stage": "III-vertex", "years_since_onset": 2},
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stats:
    def __init__(self) -> None:
        self.reads: list[float] = []
        self.errors: list[str] = []
        self.jobs: dict[str, str] = {}  # id -> final status
        self.submitted = 0


async def _read(c: httpx.AsyncClient, url: str, st: Stats) -> None:
    t0 = time.perf_counter()
    try:
        r = await c.get(url)
        dt = time.perf_counter() - t0
        if r.status_code >= 400:
            st.errors.append(f"{url}: {r.status_code}")
        else:
            st.reads.append(dt)
    except httpx.HTTPError as exc:
        st.errors.append(f"{url}: {exc.__class__.__name__}")


async def _assess(c: httpx.AsyncClient, rng: random.Random, st: Stats, t_end: float) -> None:
    st.submitted += 1
    try:
        r = await c.post("/api/v1/assessments", json=rng.choice(PEOPLE))
        if r.status_code != 202:
            st.errors.append(f"POST /api/v1/assessments: {r.status_code}")
            return
        job = r.json()
        st.jobs.setdefault(job["id"], job["status"])
        while job["status"] not in ("done", "failed") and time.monotonic() < t_end:
            await asyncio.sleep(1.0)
            job = (await c.get(job["status_url"])).json()
        st.jobs[job["id"]] = job["status"]
    except httpx.HTTPError as exc:
        st.errors.append(f"assessment: {exc.__class__.__name__}")


async def _client(base: str, seconds: float, seed: int, st: Stats, assess: bool) -> None:
    rng = random.Random(seed)
    filters = ["", "?product=SVF", "?design=split-scalp", "?outcome=density", "?year_min=2020"]
    t_end = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, timeout=60) as c:
        while time.monotonic() < t_end:
            u = rng.random()
            if u < 0.7:
                await _read(c, rng.choice(PAGES), st)
            elif u < 0.9 or not assess:
                q = rng.choice(
                    [
                        "/api/v1/evidence/studies" + rng.choice(filters),
                        "/api/v1/evidence/studies.csv" + rng.choice(filters),
                        "/api/v1/evidence/summary",
                    ]
                )
                await _read(c, q, st)
            else:
                await _assess(c, rng, st, t_end + 600)


async def _run(base: str, clients: int, seconds: float, seed: int, assess: bool) -> Stats:
    st = Stats()
    await asyncio.gather(*(_client(base, seconds, seed + i, st, assess) for i in range(clients)))
    return st


def _pct(x: list[float], q: float) -> float:
    return float(np.percentile(np.array(x) * 1000, q)) if x else float("nan")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a, _ = ap.parse_known_args(argv)  # run.py passes its own arguments through

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = fresh_env()
    cmd = [
        sys.executable,
        "-m",
        "anagen",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(a.workers),
    ]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/api/v1/options", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        # warm-up: the evidence summary and templates are built on first use
        for u in [*PAGES, "/api/v1/evidence/summary"]:
            httpx.get(base + u, timeout=60)
        print(
            f"server: {' '.join(cmd[1:])} (pid {server.pid}); load before: "
            f"{os.getloadavg()[0]:.2f} (1-min average, {os.cpu_count()} cores)"
        )

        t0 = time.perf_counter()
        base_st = asyncio.run(_run(base, 1, 10, a.seed + 1000, assess=False))
        print(
            f"baseline, 1 client, 10 s: {len(base_st.reads)} reads, p50 "
            f"{_pct(base_st.reads, 50):.1f} ms, p95 {_pct(base_st.reads, 95):.1f} ms "
            f"({time.perf_counter() - t0:.1f} s)"
        )

        t0 = time.perf_counter()
        st = asyncio.run(_run(base, a.clients, a.seconds, a.seed, assess=True))
        wall = time.perf_counter() - t0
        load = os.getloadavg()
        p95 = _pct(st.reads, 95)
        done = sum(1 for s in st.jobs.values() if s == "done")
        print(
            f"load, {a.clients} clients, {a.seconds:g} s (+ waiting for jobs: {wall:.1f} s "
            f"in all): {len(st.reads)} reads ({len(st.reads) / a.seconds:.1f}/s), "
            f"p50 {_pct(st.reads, 50):.1f} ms, p95 {p95:.1f} ms, max "
            f"{_pct(st.reads, 100):.1f} ms"
        )
        print(
            f"ratio p95 loaded / baseline: {p95 / _pct(base_st.reads, 95):.2f}; "
            f"p95 / 300 ms target: {p95 / 300:.2f} ({'met' if p95 < 300 else 'NOT met'})"
        )
        print(
            f"assessments: {st.submitted} submitted, {len(st.jobs)} distinct jobs, "
            f"{done} completed, {len(st.jobs) - done} not completed"
        )
        print(f"errors: {len(st.errors)}" + (f" (first: {st.errors[:3]})" if st.errors else ""))
        print(
            f"machine load after: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} "
            f"(1/5/15-min averages on {os.cpu_count()} cores; other processes included)"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

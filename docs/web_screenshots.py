"""Regenerate the screenshots of docs/web.md: ``python docs/web_screenshots.py``.

Starts ``anagen serve`` (default sizes: 60 draws x 8,000 follicles per assessment) on a free
loopback port, drives Debian's chromium through every page with Playwright, and saves the top
of each page (at most 1,800 px) to ``docs/img/web/``. Name groups to take only those
(``python docs/web_screenshots.py stages calibration``); the groups are in ``GROUPS``.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # this tree's anagen, as the server below uses
IMG = ROOT / "docs" / "img" / "web"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _save(page, name: str, max_h: int = 1800, clip_top: int = 0) -> None:
    png = page.screenshot(full_page=True)
    im = Image.open(io.BytesIO(png))
    w, h = im.size
    im = im.crop((0, clip_top, w, min(h, clip_top + max_h)))
    im.save(IMG / f"{name}.png", optimize=True)
    print(f"docs/img/web/{name}.png {im.size}")


def _plots(page, n: int) -> None:
    for _ in range(300):
        if page.locator(".plot .main-svg").count() >= n:
            page.wait_for_timeout(300)
            return
        page.wait_for_timeout(100)


DEMO_PASSWORD = "demo password for the screenshots"


def _demo_registry(folder: Path) -> str:
    """A throwaway SQLite registry of a synthetic clinic with one patient (no real person)."""
    import datetime as dt

    from anagen.registry import init_registry, login, open_registry
    from anagen.registry import service as svc

    url = f"sqlite:///{folder / 'demo-registry.sqlite3'}"
    init_registry(
        url,
        clinic="demo",
        clinic_name="Demo clinic (synthetic)",
        admin="demo",
        admin_password=DEMO_PASSWORD,
        synthetic=True,
    )
    reg = open_registry(url)
    actor = login(reg, "demo", "demo", DEMO_PASSWORD)
    with reg.session(actor) as s:
        svc.add_patient(
            s,
            actor,
            svc.PatientIn(
                pseudonym="DEMO-001",
                birth_year=1980,
                sex="M",
                stage="III",
                onset_year=2016,
                consent_version="v1",
                consent_date=dt.date(2024, 1, 5),
            ),
        )
        svc.add_visit(
            s,
            actor,
            svc.VisitIn(
                patient="DEMO-001",
                visit_date=dt.date(2024, 1, 10),
                kind="baseline",
                target_area="vertex",
                terminal_density_per_cm2=121.0,
                total_density_per_cm2=160.0,
            ),
        )
        svc.add_treatment(
            s,
            actor,
            svc.TreatmentIn(
                patient="DEMO-001", option="minoxidil_5", start_date=dt.date(2024, 1, 20)
            ),
        )
        svc.add_visit(
            s,
            actor,
            svc.VisitIn(
                patient="DEMO-001",
                visit_date=dt.date(2024, 7, 22),
                kind="follow-up",
                target_area="vertex",
                terminal_density_per_cm2=127.0,
                total_density_per_cm2=163.0,
            ),
        )
    reg.dispose()
    return url


def _stage_pictures(pg, base: str) -> None:
    """Both sets of stage pictures on the assessment form, one above the other."""
    pg.goto(base + "/assess")
    men = Image.open(io.BytesIO(pg.locator("#stage-pick-M").screenshot()))
    pg.select_option("#a-sex", "F")
    women = Image.open(io.BytesIO(pg.locator("#stage-pick-F").screenshot()))
    im = Image.new("RGB", (max(men.width, women.width), men.height + women.height + 16), "white")
    im.paste(men, (0, 0))
    im.paste(women, (0, men.height + 16))
    im.save(IMG / "stage_pictures.png", optimize=True)
    print(f"docs/img/web/stage_pictures.png {im.size}")


GROUPS = (
    "home",
    "evidence",
    "pool",
    "assess",
    "stages",
    "trials",
    "registry",
    "calibration",
    "phone",
)


def main(only: set[str]) -> None:
    """Take the screenshots of the groups in ``only`` (every group when empty)."""
    import tempfile

    bad = only - set(GROUPS)
    if bad:
        sys.exit(f"error: unknown group(s) {sorted(bad)}; choose from {', '.join(GROUPS)}")

    def want(group: str) -> bool:
        return not only or group in only

    IMG.mkdir(parents=True, exist_ok=True)
    db = _demo_registry(Path(tempfile.mkdtemp(prefix="anagen-docs-")))
    port = _port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(
        [sys.executable, "-m", "anagen", "serve", "--port", str(port), "--db", db],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            pg = b.new_page(viewport={"width": 1280, "height": 900})
            pg.set_default_timeout(120_000)  # first loads are slow on a busy machine
            if want("home"):
                pg.goto(base + "/")
                _save(pg, "home", 900)
            if want("evidence"):
                pg.goto(base + "/evidence")
                _plots(pg, 10)
                _save(pg, "evidence")
                pg.locator("#studies-h").scroll_into_view_if_needed()
                top = int(pg.evaluate("document.getElementById('studies-h').offsetTop")) - 20
                _save(pg, "evidence_studies", 1400, clip_top=top)
            if want("pool"):
                pg.goto(base + "/evidence/pool")
                csv = ROOT / "docs" / "img" / "web" / "_example_pool.csv"
                csv.write_text(
                    "study,yi,vi\nSmith 2019,0.42,0.031\nJones 2020,0.18,0.022\n"
                    "Lee 2021,0.61,0.050\nPark 2022,0.05,0.018\nDiaz 2023,0.33,0.027\n"
                )
                pg.set_input_files("#p-file", str(csv))
                pg.check("#p-knha")
                pg.click("form button[type=submit]")
                _plots(pg, 2)
                _save(pg, "pool")
                csv.unlink()
            if want("stages"):
                _stage_pictures(pg, base)
            if want("assess"):
                pg.goto(base + "/assess")
                _save(pg, "assess_form", 2200)
                pg.click("#assess-form button[type=submit]")  # the default: 45-year-old man, III
                pg.wait_for_url("**/assess/result/**")
                _save(pg, "assess_progress", 500)
                t0 = time.perf_counter()
                pg.wait_for_selector("#option-grid", timeout=900_000)
                print(f"assessment took {time.perf_counter() - t0:.0f} s (from the progress page)")
                _plots(pg, 1)
                _save(pg, "assess_result", 2400)
                top = int(pg.evaluate("document.getElementById('fan-h').offsetTop")) - 20
                _save(pg, "assess_fan", 800, clip_top=top)
            if want("trials"):
                pg.goto(base + "/trials")
                _save(pg, "trials_form")
                pg.fill("#t-trials", "100")
                pg.fill("#t-ns", "5, 10, 20, 30, 40")
                pg.click("#trial-form button[type=submit]")
                pg.wait_for_url("**/trials/result/**")
                pg.wait_for_timeout(3000)
                _save(pg, "trials_progress", 500)
                pg.wait_for_selector("#power-table", timeout=900_000)
                _plots(pg, 1)
                _save(pg, "trials_result")
            if want("registry"):
                pg.goto(base + "/registry")
                _save(pg, "registry_login", 700)
                pg.fill("#l-clinic", "demo")
                pg.fill("#l-user", "demo")
                pg.fill("#l-pass", DEMO_PASSWORD)
                pg.click("#login-form button[type=submit]")
                pg.wait_for_url("**/registry")
                _save(pg, "registry_dashboard", 1200)
                pg.goto(base + "/registry/patients/DEMO-001")
                _save(pg, "registry_patient", 1600)
                pg.goto(base + "/registry/imports")
                _save(pg, "registry_imports", 800)
            if want("calibration"):
                pg.goto(base + "/calibration")
                _save(pg, "calibration", 1600)
            if want("phone"):
                pg.set_viewport_size({"width": 375, "height": 800})
                pg.goto(base + "/assess")
                _save(pg, "phone_assess", 1400)
            b.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main(set(sys.argv[1:]))

"""``anagen registry``: the clinic outcomes registry from the command line.

Database: ``--db URL`` or ``ANAGEN_DATABASE_URL`` (default: a SQLite file, see
``anagen registry where``). Who you are: ``anagen registry login`` stores an expiring session
token in ``~/.config/anagen/registry-session.json`` (or ``$ANAGEN_REGISTRY_SESSION``), or pass
``ANAGEN_REGISTRY_TOKEN``. Passwords are read from a hidden prompt or from
``ANAGEN_REGISTRY_PASSWORD`` (never from a command-line option, which would land in the shell
history). Every command's errors end with one line and exit code 2 (3: the row changed since it
was read).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from anagen.cli._common import console, emit_json, err_console
from anagen.decision._size import DEFAULT_SIZE
from anagen.errors import InputError

app = typer.Typer(
    help="Clinic outcomes registry: patients, visits, treatments, adverse events; the model's "
    "frozen predictions vs what was observed; audit trail. See docs/registry.md.",
    no_args_is_help=True,
)
user_app = typer.Typer(help="Users of your clinic (admins).", no_args_is_help=True)
patient_app = typer.Typer(help="Patients (pseudonymous).", no_args_is_help=True)
visit_app = typer.Typer(help="Visits and their measurements.", no_args_is_help=True)
treatment_app = typer.Typer(
    help="Treatments (freezes the model's prediction).", no_args_is_help=True
)
ae_app = typer.Typer(help="Adverse events.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(patient_app, name="patient")
app.add_typer(visit_app, name="visit")
app.add_typer(treatment_app, name="treatment")
app.add_typer(ae_app, name="ae")

DbOpt = typer.Option(
    None,
    "--db",
    help="Database URL (sqlite:///FILE or "
    "postgresql+psycopg://USER@HOST/DB); default ANAGEN_DATABASE_URL or the "
    "default SQLite file.",
    show_default=False,
)
JsonOpt = typer.Option(False, "--json", help="Print JSON on stdout.")
TokenOpt = typer.Option(None, "--token", envvar="ANAGEN_REGISTRY_TOKEN", hidden=True)
_HEALTH_OPT = typer.Option(
    [],
    "--health",
    help="Health finding KEY=VALUE (keys of the patient file's [health] table); repeatable.",
)
_CURRENT_OPT = typer.Option(
    [],
    "--current",
    help="Treatment the patient uses now, kept up alongside what is recorded (minoxidil_2, "
    "minoxidil_5, finasteride_1mg, lllt, prp: in the frozen prediction; minoxidil_oral, "
    "dutasteride, spironolactone, other: recorded, prediction unknown); repeatable.",
)
_FILE_ARG = typer.Argument(..., help="File.")
_TO_OPT = typer.Option(..., "--to", help="New folder (csv, omop) or .csv file (evidence).")
_OUT_ARG = typer.Argument(..., help="HTML file to write.")
_DEMO_REPORT_OPT = typer.Option(Path("registry-demo-report.html"), help="Report to write.")
_HTML_OPT = typer.Option(
    None, "--html", help="Also write the observed-vs-predicted page (plot) to this .html file."
)
_SET_OPT = typer.Option(..., "--set", help="FIELD=VALUE; repeatable.")
_PROTOCOL_OPT = typer.Option(
    None,
    "--protocol-file",
    help="Protocol .toml (stored as a snapshot) when not a shipped protocol.",
)


def _fail(msg: str, code: int = 2) -> None:
    err_console.print(f"[bold red]error:[/] {escape(msg)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Registry errors -> one line and exit 2 (Conflict: exit 3)."""

    @wraps(fn)
    def inner(*a: Any, **kw: Any) -> Any:
        from sqlalchemy.exc import OperationalError

        from anagen.registry._errors import Conflict, RegistryError

        try:
            return fn(*a, **kw)
        except OperationalError as exc:
            first = str(exc.orig).splitlines()[0] if exc.orig else "error"
            _fail(f"database unavailable or busy: {first}")
        except Conflict as exc:
            _fail(str(exc), 3)
        except RegistryError as exc:
            _fail(str(exc))
        except InputError as exc:
            _fail(str(exc))

    return inner


def _session_file() -> Path:
    env = os.environ.get("ANAGEN_REGISTRY_SESSION")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "anagen" / "registry-session.json"


def _password(prompt: str, *, confirm: bool = False, env: str = "ANAGEN_REGISTRY_PASSWORD") -> str:
    pw = os.environ.get(env)
    if pw:
        return pw
    if not sys.stdin.isatty():
        _fail(f"no password: set {env} or run in a terminal (hidden prompt)")
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


def _registry(db: str | None) -> Any:
    from anagen.registry import Registry

    reg = Registry(db)
    reg.check_connect()
    return reg


def _actor(reg: Any, token: str | None) -> Any:
    from anagen.registry import actor_from_token

    if not token:
        f = _session_file()
        if f.is_file():
            try:
                token = json.loads(f.read_text(encoding="utf-8")).get("token")
            except (OSError, ValueError):
                token = None
    return actor_from_token(reg, token)


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(field=name, allowed="a date YYYY-MM-DD", got=value) from None


def _out(obj: dict[str, Any], as_json: bool, text: str) -> None:
    if as_json:
        emit_json(obj)
    else:
        console.print(text, highlight=False, markup=False, soft_wrap=True)


# --------------------------------------------------------------------------- setup and login


@app.command("where")
def where(db: str | None = DbOpt) -> None:
    """Print which database the registry commands use (password hidden)."""
    from anagen.registry import Registry, default_path

    console.print(Registry(db).display_url(), highlight=False, markup=False, soft_wrap=True)
    console.print(
        f"(default SQLite file: {default_path()})", highlight=False, markup=False, soft_wrap=True
    )


@app.command("init")
@_guard
def init(
    db: str | None = DbOpt,
    clinic: str | None = typer.Option(None, help="Create this clinic (short code) ..."),
    clinic_name: str | None = typer.Option(None, help="... with this display name ..."),
    admin: str | None = typer.Option(
        None, help="... and this first admin user (password: prompt or ANAGEN_REGISTRY_PASSWORD)."
    ),
    app_user: str | None = typer.Option(
        None,
        help="PostgreSQL: create/update this LOGIN role "
        "for the application (password: prompt or "
        "ANAGEN_APP_DB_PASSWORD).",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Create or upgrade the registry schema (run with the database owner's URL)."""
    from anagen.registry import Registry, create_app_login, init_registry

    pw = _password(f"password for {admin}", confirm=True) if (clinic and admin) else None
    out = init_registry(db, clinic=clinic, clinic_name=clinic_name, admin=admin, admin_password=pw)
    if app_user:
        create_app_login(
            Registry(db),
            app_user,
            _password(
                f"database password for {app_user}", confirm=True, env="ANAGEN_APP_DB_PASSWORD"
            ),
        )
        out["app_user"] = app_user
    text = f"registry schema at revision {out['revision']} in {out['database']}"
    if "clinic" in out:
        text += f"\nclinic '{out['clinic']['code']}' with admin '{out['admin']}'"
    if app_user:
        text += (
            f"\napplication role '{app_user}': set ANAGEN_DATABASE_URL to connect as it "
            "(row-level security applies to it, not to the owner)"
        )
    _out(out, as_json, text)


@app.command("login")
@_guard
def login_cmd(
    clinic: str = typer.Option(..., help="Clinic code."),
    user: str = typer.Option(..., help="Your user name."),
    hours: float = typer.Option(8.0, help="Session length in hours (at most 24)."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Log in: store an expiring session token for the next commands."""
    from anagen.registry import login

    reg = _registry(db)
    actor = login(reg, clinic, user, _password(f"password for {user}@{clinic}"), hours=hours)
    f = _session_file()
    f.parent.mkdir(parents=True, exist_ok=True)
    tmp = f.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(
            {
                "token": actor.token,
                "expires_at": actor.expires_at,
                "database": reg.display_url(),
                "clinic": clinic,
                "user": user,
            },
            fh,
        )
    os.replace(tmp, f)
    _out(
        {
            "user": user,
            "clinic": clinic,
            "role": actor.role,
            "expires_at": actor.expires_at,
            "session_file": str(f),
        },
        as_json,
        f"logged in as {user} ({actor.role}) at {clinic}; session expires "
        f"{actor.expires_at} (token in {f})",
    )


@app.command("logout")
@_guard
def logout_cmd(db: str | None = DbOpt) -> None:
    """End the session (the token stops working) and delete the session file."""
    from anagen.registry import logout

    f = _session_file()
    if f.is_file():
        token = json.loads(f.read_text(encoding="utf-8")).get("token")
        if token:
            logout(_registry(db), token)
        f.unlink()
    console.print("logged out")


@app.command("whoami")
@_guard
def whoami(db: str | None = DbOpt, token: str | None = TokenOpt, as_json: bool = JsonOpt) -> None:
    """Who the session belongs to, and when it expires."""
    a = _actor(_registry(db), token)
    _out(
        {"user": a.username, "role": a.role, "clinic_id": a.clinic_id, "expires_at": a.expires_at},
        as_json,
        f"{a.username} ({a.role}), clinic {a.clinic_id}, session expires {a.expires_at}",
    )


@user_app.command("add")
@_guard
def user_add(
    username: str,
    role: str = typer.Option(..., help="admin, clinician or analyst (read only)."),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Add a user to your clinic (password: prompt or ANAGEN_NEW_USER_PASSWORD)."""
    from anagen.registry import service as svc

    reg = _registry(db)
    a = _actor(reg, token)
    if not a.is_admin:
        _fail("only an admin can add users")
    pw = _password(f"password for {username}", confirm=True, env="ANAGEN_NEW_USER_PASSWORD")
    with reg.session(a) as s:
        u = svc.add_user(s, a, username, pw, role)
        out = {"id": u.id, "username": u.username, "role": u.role}
    _out(out, as_json, f"user {username} ({role}) added")


# --------------------------------------------------------------------------- data entry


def _kv(items: list[str], name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for it in items:
        if "=" not in it:
            raise InputError(field=name, allowed="KEY=VALUE", got=it)
        k, v = it.split("=", 1)
        low = v.strip().lower()
        if low in ("true", "yes", "1"):
            out[k.strip()] = True
        elif low in ("false", "no", "0"):
            out[k.strip()] = False
        else:
            try:
                out[k.strip()] = float(v)
            except ValueError:
                raise InputError(
                    field=f"{name} {k}", allowed="true/false or a number", got=v
                ) from None
    return out


@patient_app.command("add")
@_guard
def patient_add(
    pseudonym: str,
    birth_year: int = typer.Option(..., help="Year of birth."),
    sex: str = typer.Option(..., help="M or F."),
    stage: str = typer.Option(..., help="Norwood-Hamilton (men); Ludwig or Savin (women)."),
    scale: str | None = typer.Option(
        None, help="norwood_hamilton, ludwig or savin (default from sex and stage)."
    ),
    onset_year: int = typer.Option(..., help="Year hair loss was first noticed."),
    consent_version: str = typer.Option(..., help="Version of the consent form signed."),
    consent_date: str = typer.Option(..., help="Date of consent, YYYY-MM-DD."),
    evidence_sharing: bool = typer.Option(
        False, help="Consented to sharing pseudonymous outcomes as evidence."
    ),
    health: list[str] = _HEALTH_OPT,
    current: list[str] = _CURRENT_OPT,
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Add a patient under a pseudonym (no names or contact data)."""
    from anagen.registry import service as svc

    data = svc.parse(
        svc.PatientIn,
        {
            "pseudonym": pseudonym,
            "birth_year": birth_year,
            "sex": sex,
            "stage": stage,
            "stage_scale": scale,
            "onset_year": onset_year,
            "consent_version": consent_version,
            "consent_date": _date(consent_date, "--consent-date"),
            "consent_evidence_sharing": evidence_sharing,
            "health": _kv(health, "--health"),
            "current_treatments": current,
        },
    )
    reg = _registry(db)
    a = _actor(reg, token)
    with reg.session(a) as s:
        p = svc.add_patient(s, a, data)
        out = {"id": p.id, "pseudonym": p.pseudonym, "version": p.version}
    _out(out, as_json, f"patient {pseudonym} added (id {out['id']})")


@patient_app.command("show")
@_guard
def patient_show(
    ref: str = typer.Argument(..., help="Pseudonym, or #ID."),
    html_out: Path | None = _HTML_OPT,
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
    as_json: bool = JsonOpt,
) -> None:
    """One patient: each visit against the prediction frozen at treatment time (median, 80 %
    interval, untreated course; inside or not). --json: the whole record with that view."""
    from anagen.cli._common import check_output_path
    from anagen.registry import service as svc
    from anagen.registry._patient_view import patient_outcomes

    if html_out is not None:
        check_output_path(html_out)
        if html_out.suffix.lower() != ".html":
            raise InputError(field="--html", allowed="a file ending in .html", got=html_out.suffix)
    reg = _registry(db)
    a = _actor(reg, token)
    with reg.session(a) as s:
        detail = svc.patient_detail(s, a, ref)
        po = patient_outcomes(s, a, ref)
    if html_out is not None:
        from anagen.registry._patient_report import write_patient_report

        write_patient_report(po, html_out)
    if as_json:
        detail["observed_vs_predicted"] = po.to_dict()
        if html_out is not None:
            detail["html"] = str(html_out)
        emit_json(detail)
        return
    text = po.text() + (f"\npage: {html_out}" if html_out is not None else "")
    console.print(text, highlight=False, markup=False, soft_wrap=True)


@patient_app.command("list")
@_guard
def patient_list(
    db: str | None = DbOpt, token: str | None = TokenOpt, as_json: bool = JsonOpt
) -> None:
    """Patients of your clinic."""
    from anagen.registry import service as svc

    reg = _registry(db)
    a = _actor(reg, token)
    with reg.session(a) as s:
        rows = [
            {
                "id": p.id,
                "pseudonym": p.pseudonym,
                "sex": p.sex,
                "stage": p.stage,
                "birth_year": p.birth_year,
                "version": p.version,
            }
            for p in svc.list_patients(s, a)
        ]
    if as_json:
        emit_json(rows)
    else:
        for r in rows:
            console.print(
                f"{r['id']:>6}  {r['pseudonym']:<20} {r['sex']} {r['stage']:<10} "
                f"born {r['birth_year']}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )


@patient_app.command("update")
@_guard
def patient_update(
    ref: str,
    set_: list[str] = _SET_OPT,
    expected_version: int = typer.Option(..., help="The version you read (optimistic lock)."),
    reason: str = typer.Option(..., help="Why (kept in the audit trail)."),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Correct a patient's fields (refused with exit 3 if someone changed it meanwhile)."""
    from anagen.registry import service as svc

    changes: dict[str, Any] = {}
    for it in set_:
        if "=" not in it:
            raise InputError(field="--set", allowed="FIELD=VALUE", got=it)
        k, v = it.split("=", 1)
        changes[k.strip()] = v.strip()
    reg = _registry(db)
    a = _actor(reg, token)
    with reg.session(a, reason=reason) as s:
        try:
            p = svc.update_patient(
                s, a, ref, changes, expected_version=expected_version, reason=reason
            )
        except InputError:
            raise
        out = {"id": p.id, "pseudonym": p.pseudonym, "version": p.version}
    _out(out, as_json, f"patient {out['pseudonym']} updated (version {out['version']})")


@visit_app.command("add")
@_guard
def visit_add(
    patient: str,
    date: str = typer.Option(..., "--date", help="Visit date YYYY-MM-DD."),
    kind: str = typer.Option(..., help="baseline or follow-up."),
    area: str = typer.Option(
        ...,
        help="Zone of the target area: frontal, mid_scalp, vertex, temporal, parietal, occipital.",
    ),
    total: float | None = typer.Option(None, help="All hairs/cm2 (phototrichogram)."),
    terminal: float | None = typer.Option(None, help="Terminal hairs/cm2."),
    vellus: float | None = typer.Option(None, help="Vellus hairs/cm2."),
    diameter: float | None = typer.Option(None, help="Mean shaft diameter, um."),
    anagen: float | None = typer.Option(None, help="Anagen hairs, %."),
    photo: int | None = typer.Option(None, help="Global photographic assessment -3..+3."),
    satisfaction: float | None = typer.Option(None, help="Patient satisfaction score."),
    instrument: str | None = typer.Option(None, help="VAS_0_10, likert_1_5 or likert_1_7."),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record a visit (baseline first; follow-ups after it)."""
    from anagen.registry import service as svc

    v = svc.parse(
        svc.VisitIn,
        {
            "patient": patient,
            "visit_date": _date(date, "--date"),
            "kind": kind,
            "target_area": area,
            "total_density_per_cm2": total,
            "terminal_density_per_cm2": terminal,
            "vellus_density_per_cm2": vellus,
            "shaft_diameter_um": diameter,
            "anagen_percent": anagen,
            "global_photo_score": photo,
            "satisfaction_score": satisfaction,
            "satisfaction_instrument": instrument,
        },
    )
    reg = _registry(db)
    a = _actor(reg, token)
    with reg.session(a) as s:
        row = svc.add_visit(s, a, v)
        out = {"id": row.id, "patient": patient, "visit_date": date, "kind": kind}
    _out(out, as_json, f"visit {out['id']} ({kind}, {date}) recorded for {patient}")


@treatment_app.command("add")
@_guard
def treatment_add(
    patient: str,
    option: str = typer.Option(
        ...,
        help="Shipped protocol name, alternative (minoxidil_5, "
        "finasteride_1mg, prp, lllt, ...) or 'none' (comparator).",
    ),
    start: str = typer.Option(..., help="Start date YYYY-MM-DD."),
    protocol_file: Path | None = _PROTOCOL_OPT,
    sessions: int = typer.Option(0, help="Sessions planned."),
    cells: float | None = typer.Option(None, help="Cells injected per session (actual)."),
    lot: str | None = typer.Option(None, help="Product lot."),
    months: str = typer.Option(
        "6,12,24",
        help="Planned follow-up visits, months after the start (1-48, comma-separated). A month "
        "past the longest follow-up of the option's trials is frozen as 'unknown'.",
    ),
    seed: int = typer.Option(0, help="Seed of the frozen prediction."),
    draws: int = typer.Option(
        DEFAULT_SIZE.n_draws, help="Parameter draws of the prediction (default: as assess)."
    ),
    follicles: int = typer.Option(
        DEFAULT_SIZE.n_follicles, help="Simulated follicles of the prediction (as assess)."
    ),
    no_predict: bool = typer.Option(False, "--no-predict", help="Do not freeze a prediction."),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record a treatment and freeze anagen's prediction for each planned visit."""
    from anagen.cli._common import require_file
    from anagen.registry import service as svc

    try:
        month_list = [int(x) for x in months.split(",") if x.strip()]
    except ValueError:
        raise InputError(field="--months", allowed="comma-separated integers", got=months) from None
    toml = None
    if protocol_file is not None:
        from anagen.therapy import load_protocol

        load_protocol(require_file(protocol_file, what="protocol file"))  # validates
        toml = protocol_file.read_text(encoding="utf-8")
    t = svc.parse(
        svc.TreatmentIn,
        {
            "patient": patient,
            "option": option,
            "protocol_toml": toml,
            "start_date": _date(start, "--start"),
            "sessions_planned": sessions,
            "cells_per_session": cells,
            "product_lot": lot,
            "planned_months": month_list,
            "predict": not no_predict,
            "seed": seed,
            "n_draws": draws,
            "n_follicles": follicles,
        },
    )
    reg = _registry(db)
    a = _actor(reg, token)
    with reg.session(a) as s:
        row = svc.add_treatment(s, a, t)
        detail = svc.patient_detail(s, a, patient)
    tr = next(x for x in detail["treatments"] if x["id"] == row.id)
    if as_json:
        emit_json(tr)
        return
    console.print(
        f"treatment {row.id} ({option}) recorded for {patient}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    for p in sorted(tr["predictions"] + tr["unknown_predictions"], key=lambda x: x["month"]):
        if p["change_median"] is None:
            line = f"  month {p['month']:>2}: {p['reason']}"
        else:
            unt = "unknown" if p["untreated_median"] is None else f"{p['untreated_median']:+.1f}"
            line = (
                f"  month {p['month']:>2}: predicted change {p['change_median']:+.1f} hairs/cm2 "
                f"(80% interval {p['change_low']:+.1f} to {p['change_high']:+.1f}); untreated "
                f"{unt}  [frozen, anagen {p['model_version']}, seed {p['seed']}]"
            ) + (f"; {p['note']}" if p.get("note") else "")
        console.print(line, highlight=False, markup=False, soft_wrap=True)


@treatment_app.command("session")
@_guard
def treatment_session(
    treatment_id: int,
    date: str = typer.Option(..., "--date", help="Session date YYYY-MM-DD."),
    cells: float | None = typer.Option(None, help="Cells injected."),
    volume: float | None = typer.Option(None, help="Volume injected, mL."),
    lot: str | None = typer.Option(None, help="Lot used."),
    expected_version: int | None = typer.Option(None, help="Treatment version you read."),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record one session of a treatment."""
    from anagen.registry import service as svc

    data = svc.parse(
        svc.SessionIn,
        {
            "session_date": _date(date, "--date"),
            "cells_injected": cells,
            "volume_ml": volume,
            "product_lot": lot,
        },
    )
    reg = _registry(db)
    a = _actor(reg, token)
    with reg.session(a) as s:
        row = svc.add_session(s, a, treatment_id, data, expected_version=expected_version)
        out = {"id": row.id, "treatment_id": treatment_id}
    _out(out, as_json, f"session {out['id']} recorded for treatment {treatment_id}")


@ae_app.command("add")
@_guard
def ae_add(
    patient: str,
    description: str = typer.Option(..., help="What happened (no personal data)."),
    severity: str = typer.Option(..., help="mild, moderate, severe, life-threatening, death."),
    serious: bool = typer.Option(False, help="Serious adverse event (ICH E2A)."),
    causality: str = typer.Option(..., help="unrelated, unlikely, possible, probable, certain."),
    outcome: str = typer.Option(
        ..., help="recovered, recovering, not_recovered, recovered_with_sequelae, fatal, unknown."
    ),
    onset: str = typer.Option(..., help="Onset date YYYY-MM-DD."),
    resolved: str | None = typer.Option(None, help="Resolution date YYYY-MM-DD."),
    treatment: int | None = typer.Option(None, help="Treatment id it followed."),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record an adverse event."""
    from anagen.registry import service as svc

    e = svc.parse(
        svc.AdverseEventIn,
        {
            "patient": patient,
            "treatment_id": treatment,
            "description": description,
            "severity": severity,
            "serious": serious,
            "causality": causality,
            "outcome": outcome,
            "onset_date": _date(onset, "--onset"),
            "resolution_date": _date(resolved, "--resolved"),
        },
    )
    reg = _registry(db)
    a = _actor(reg, token)
    with reg.session(a) as s:
        row = svc.add_adverse_event(s, a, e)
        out = {"id": row.id, "patient": patient}
    _out(out, as_json, f"adverse event {out['id']} recorded for {patient}")


# --------------------------------------------------------------------------- integrity


@app.command("verify")
@_guard
def verify_cmd(
    db: str | None = DbOpt, token: str | None = TokenOpt, as_json: bool = JsonOpt
) -> None:
    """Check the audit trail's hash chain and that it accounts for every row (exit 1 if not)."""
    from anagen.registry import service as svc

    reg = _registry(db)
    a = _actor(reg, token)
    with reg.session(a) as s:
        reports = svc.verify_audit(s, a)
    ok = all(r.ok for r in reports)
    if as_json:
        emit_json({"ok": ok, "clinics": [r.to_dict() for r in reports]})
    else:
        for r in reports:
            state = "OK" if r.ok else "TAMPERING DETECTED"
            console.print(
                f"clinic {r.clinic_id}: {r.entries} audit entries, {r.rows_checked} "
                f"rows checked: {state}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
            for p in r.problems:
                console.print(f"  - {p}", highlight=False, markup=False, soft_wrap=True)
    if not ok:
        raise typer.Exit(1)


@app.command("dictionary")
def dictionary_cmd(as_json: bool = JsonOpt) -> None:
    """Print the data dictionary (generated from the table definitions)."""
    from anagen.registry import data_dictionary
    from anagen.registry._dictionary import dictionary_markdown

    if as_json:
        emit_json(data_dictionary())
    else:
        print(dictionary_markdown())


# --------------------------------------------------------------------------- report and demo


def _write_report(reg: Any, actor: Any, out: Path, as_json: bool) -> dict[str, Any]:
    from anagen.cli._common import check_output_path
    from anagen.registry._outcomes import clinic_outcomes
    from anagen.registry._report import write_report

    check_output_path(out)
    if out.suffix.lower() != ".html":
        raise InputError(field="report", allowed="a file ending in .html", got=out.suffix)
    with reg.session(actor) as s:
        o = clinic_outcomes(s, actor)
    write_report(o, out)
    d = o.to_dict()
    d["report"] = str(out)
    return d


def _summary_text(d: dict[str, Any]) -> str:
    lines = [
        ("SYNTHETIC " if d["synthetic"] else "") + f"clinic: {d['clinic']}",
        f"frozen predictions answered by a visit: {d['n_pairs']}",
    ]
    if d["n_pairs"]:
        lines.append(f"coverage of the 80 % intervals: {d['coverage_80_text']}")
        lines.append(f"mean error (observed - predicted): {d['mean_error_text']}")
    lines.append(f"report: {d['report']}")
    return "\n".join(lines)


@app.command("report")
@_guard
def report_cmd(
    out: Path = _OUT_ARG,
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Observed vs predicted for your clinic: HTML with calibration, coverage, effectiveness."""
    reg = _registry(db)
    a = _actor(reg, token)
    d = _write_report(reg, a, out, as_json)
    if as_json:
        emit_json(d)
    else:
        console.print(_summary_text(d), highlight=False, markup=False, soft_wrap=True)


@app.command("demo")
@_guard
def demo_cmd(
    db: str | None = typer.Option(
        None,
        "--db",
        help="Database for the demo (default: "
        "demo-registry.sqlite3 next to the default registry file).",
    ),
    patients: int = typer.Option(48, help="Synthetic patients."),
    seed: int = typer.Option(0, help="Seed (same seed, same synthetic clinic)."),
    report: Path = _DEMO_REPORT_OPT,
    as_json: bool = JsonOpt,
) -> None:
    """Fill a registry with a SYNTHETIC clinic generated by the model, and write its report."""
    from anagen.cli._common import check_output_path
    from anagen.registry import Registry, default_path
    from anagen.registry._demo import build_demo
    from anagen.registry._session import Actor

    check_output_path(report)
    url = db or f"sqlite:///{default_path().with_name('demo-registry.sqlite3')}"
    made = build_demo(url, n_patients=patients, seed=seed)
    reg = Registry(url)
    actor = Actor(made["clinic_id"], None, "(demo generator)", "owner")
    d = _write_report(reg, actor, report, as_json)
    d["generated"] = made
    if as_json:
        emit_json(d)
        return
    console.print(
        f"SYNTHETIC clinic generated by anagen's model: {made['patients']} patients, "
        f"{made['visits']} visits, {made['treatments']} treatments in "
        f"{made['database']}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    console.print(_summary_text(d), highlight=False, markup=False, soft_wrap=True)


# --------------------------------------------------------------------------- import / export


@app.command("import")
@_guard
def import_cmd(
    kind: str = typer.Argument(..., help="patients, visits, treatments or adverse_events."),
    file: Path = _FILE_ARG,
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Import a CSV file: every row checked first; all rows or none are written."""
    from anagen.registry._io import import_csv

    reg = _registry(db)
    a = _actor(reg, token)
    with reg.session(a) as s:
        out = import_csv(s, a, kind, file)
    _out(out, as_json, f"imported {out['rows']} {kind} from {out['file']}")


@app.command("export")
@_guard
def export_cmd(
    to: Path = _TO_OPT,
    fmt: str = typer.Option(
        "csv",
        "--format",
        help="csv (one file per table), omop "
        "(OMOP-CDM-shaped person/visit/measurement/procedure) or evidence "
        "(study rows for 'anagen evidence add', OBSERVATIONAL).",
    ),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Export your clinic's data."""
    from anagen.registry._io import export_csv, export_evidence, export_omop

    funcs = {"csv": export_csv, "omop": export_omop, "evidence": export_evidence}
    if fmt not in funcs:
        raise InputError(field="--format", allowed="one of csv, omop, evidence", got=fmt)
    reg = _registry(db)
    a = _actor(reg, token)
    with reg.session(a) as s:
        out = funcs[fmt](s, a, to)
    _out({"format": fmt, "to": str(to), "result": out}, as_json, f"exported ({fmt}) to {to}: {out}")


@app.command("backup")
@_guard
def backup_cmd(
    file: Path = _FILE_ARG,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Back up the whole registry (run with the database owner's URL) to a .jsonl.gz file."""
    from anagen.registry._backup import backup

    out = backup(_registry(db), file)
    _out(
        out,
        as_json,
        f"backup written to {out['file']} ({sum(out['counts'].values())} rows, "
        f"sha256 {out['sha256'][:16]}...)",
    )


@app.command("restore")
@_guard
def restore_cmd(
    file: Path = _FILE_ARG,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Restore a backup into an empty, initialised registry (owner's URL); checksum verified."""
    from anagen.registry._backup import restore

    out = restore(_registry(db), file)
    _out(
        out,
        as_json,
        f"restored {sum(out['counts'].values())} rows from {out['file']}; run "
        "'anagen registry verify' to check the audit chain",
    )

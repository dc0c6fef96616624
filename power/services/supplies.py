"""Editing the power supply of active sites: API/UI changes, operator declarations, CSV import,
and the demo values. Every change is audited (core.audit.record) and re-checks the network's
sites after commit (the events of power.services.notices)."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record, snapshot
from core.models import AuditEvent
from network.models import Network, Site, SiteType

from ..models import GeneratorKind, MobileGenerator, OverrideState, PowerSupply, SiteStateOverride
from .outages import schedule_check

EDITABLE = ("delivery_point", "battery_hours", "battery_tested_on", "generator", "fuel_hours", "mobile_connectable",
            "mobile_generator", "comment", "grid_point")
AUDITED = ("delivery_point", "battery_hours", "battery_tested_on", "generator", "fuel_hours", "mobile_connectable",
           "generator_connected_at", "mobile_generator", "comment", "grid_point")


class SupplyError(ValueError):
    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(f"{e['path']}: {e['reason']}" for e in errors))


def supply_for(site: Site) -> PowerSupply:
    """The site's supply row, created empty (0 h of battery, no generator) when missing."""
    supply = PowerSupply.objects.filter(site=site).first()
    return supply or PowerSupply(network_id=site.network_id, site=site)


def update_supply(supply: PowerSupply, changes: dict, *, actor=None, organisation=None) -> PowerSupply:
    """Apply validated changes. Setting `generator` to `connected` records when (now, unless
    `generator_connected_at` is given): the prediction then keeps the site up."""
    errors = []
    if "mobile_generator" in changes and changes["mobile_generator"] is not None \
            and changes["mobile_generator"].network_id != supply.network_id:
        errors.append({"path": "mobile_generator", "reason": _("groupe d'un autre réseau")})
    if errors:
        raise SupplyError(errors)
    creating = supply.pk is None
    with transaction.atomic():
        before = None if creating else snapshot(supply, AUDITED)
        was_connected = supply.generator == GeneratorKind.CONNECTED
        for name in EDITABLE:
            if name in changes:
                setattr(supply, name, changes[name])
        if supply.generator == GeneratorKind.CONNECTED and not was_connected:
            supply.generator_connected_at = changes.get("generator_connected_at") or timezone.now()
        elif supply.generator != GeneratorKind.CONNECTED:
            supply.generator_connected_at = None
            if "mobile_generator" not in changes:
                supply.mobile_generator = None
        supply.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        supply.save()
        record(supply, AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE, actor=actor,
               organisation=organisation, before=before, after=snapshot(supply, AUDITED))
        schedule_check(supply.network_id)
    return supply


def declare_state(supply: PowerSupply, state: str, *, at=None, comment="", actor=None, organisation=None) -> SiteStateOverride:
    """An operator declares the site dark or restored (wins over the prediction from `at` on)."""
    if state not in OverrideState.values:
        raise SupplyError([{"path": "state", "reason": _("dark ou restored attendu")}])
    with transaction.atomic():
        override = SiteStateOverride.objects.create(
            supply=supply, state=state, at=at or timezone.now(), comment=comment[:500],
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        record(override, AuditEvent.Action.CREATE, actor=actor, organisation=organisation)
        schedule_check(supply.network_id)
    return override


# --- CSV import (columns: docs/power.md) ------------------------------------------------------
CSV_COLUMNS = ("site_code", "delivery_point", "grid_lon", "grid_lat", "battery_hours", "battery_tested_on",
               "generator", "fuel_hours", "mobile_connectable", "comment")
TRUE = {"1", "true", "oui", "yes", "o", "y", "vrai", "x"}
FALSE = {"0", "false", "non", "no", "n", "faux", ""}


def _float(value, path, errors, *, allow_empty=True):
    if value in ("", None):
        return None if allow_empty else errors.append({"path": path, "reason": _("nombre obligatoire")})
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        errors.append({"path": path, "reason": _("nombre attendu, reçu %(v)r") % {"v": value}})
        return None
    if number < 0 or number > 10000:
        errors.append({"path": path, "reason": _("entre 0 et 10000 heures")})
        return None
    return number


def parse_csv_row(row: dict, line: int, errors: list) -> dict:
    p = f"ligne {line}"
    out = {}
    battery = _float(row.get("battery_hours", ""), f"{p}.battery_hours", errors, allow_empty=False)
    if battery is not None:
        out["battery_hours"] = battery
    out["fuel_hours"] = _float(row.get("fuel_hours", ""), f"{p}.fuel_hours", errors)
    generator = (row.get("generator") or "none").strip().lower()
    if generator not in GeneratorKind.values:
        errors.append({"path": f"{p}.generator", "reason": _("none, fixed ou connected attendu")})
    out["generator"] = generator
    tested = (row.get("battery_tested_on") or "").strip()
    if tested:
        try:
            out["battery_tested_on"] = date.fromisoformat(tested)
        except ValueError:
            errors.append({"path": f"{p}.battery_tested_on", "reason": _("date AAAA-MM-JJ attendue")})
    else:
        out["battery_tested_on"] = None
    connectable = (row.get("mobile_connectable") or "").strip().lower()
    if connectable not in TRUE | FALSE:
        errors.append({"path": f"{p}.mobile_connectable", "reason": _("oui ou non attendu")})
    out["mobile_connectable"] = connectable in TRUE
    lon, lat = (row.get("grid_lon") or "").strip(), (row.get("grid_lat") or "").strip()
    if lon or lat:
        try:
            point = Point(float(lon), float(lat), srid=4326)
            if not (-180 <= point.x <= 180 and -90 <= point.y <= 90):
                raise ValueError
            out["grid_point"] = point.transform(2154, clone=True)
        except ValueError:
            errors.append({"path": f"{p}.grid_lon", "reason": _("longitude et latitude WGS84 attendues")})
    else:
        out["grid_point"] = None
    out["delivery_point"] = (row.get("delivery_point") or "").strip()[:64]
    out["comment"] = (row.get("comment") or "").strip()[:500]
    return out


def import_csv(network: Network, text: str, *, actor=None, organisation=None) -> dict:
    """Create or update the supplies listed in a CSV (all or nothing). Returns
    {"created", "updated", "errors": [{"path", "reason"}]}; nothing is written when errors."""
    first = text.splitlines()[0] if text.strip() else ""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";" if ";" in first else ",")
    missing = {"site_code", "battery_hours"} - set(reader.fieldnames or [])
    if missing:
        return {"created": 0, "updated": 0,
                "errors": [{"path": "", "reason": _("colonnes manquantes : %(c)s") % {"c": ", ".join(sorted(missing))}}]}
    rows, errors = [], []
    sites = {s.code: s for s in Site.objects.filter(network=network)}
    for line, row in enumerate(reader, start=2):
        row = {k: (v or "") for k, v in row.items() if k}
        code = row.get("site_code", "").strip()
        site = sites.get(code)
        if site is None:
            errors.append({"path": f"ligne {line}.site_code", "reason": _("site inconnu : %(c)s") % {"c": code}})
            continue
        rows.append((site, parse_csv_row(row, line, errors)))
    if errors:
        return {"created": 0, "updated": 0, "errors": errors}
    created = updated = 0
    with transaction.atomic():
        for site, changes in rows:
            supply = supply_for(site)
            if supply.pk is None:
                created += 1
            else:
                updated += 1
            update_supply(supply, changes, actor=actor, organisation=organisation)
    return {"created": created, "updated": updated, "errors": []}


# --- Demo values ------------------------------------------------------------------------------
DEMO_BATTERY_HOURS = (4, 6, 8, 3, 10)  # cycled over the NROs by code: a mix of short and long autonomy


def load_demo_supplies(network: Network) -> dict:
    """Shipped power values for the demo network: every NRO is an active site (batteries cycled
    over DEMO_BATTERY_HOURS, every third with a fixed generator of 12 h of fuel, all connectable
    to a mobile generator), plus one fleet of 3 mobile generators at the first NRO's position.
    Idempotent: existing supplies are kept."""
    nros = list(Site.objects.filter(network=network, site_type__in=[SiteType.NRO, SiteType.SROL]).order_by("code"))
    created = 0
    tested = timezone.now().date() - timedelta(days=200)
    for i, site in enumerate(nros):
        _supply, made = PowerSupply.objects.get_or_create(site=site, defaults={
            "network": network, "battery_hours": DEMO_BATTERY_HOURS[i % len(DEMO_BATTERY_HOURS)],
            "battery_tested_on": tested, "mobile_connectable": True,
            "generator": GeneratorKind.FIXED if i % 3 == 2 else GeneratorKind.NONE,
            "fuel_hours": 12 if i % 3 == 2 else None, "delivery_point": f"PRM-DEMO-{i + 1:04d}"})
        created += made
    if nros:
        MobileGenerator.objects.get_or_create(network=network, name="Dépôt Quimper", defaults={
            "depot": nros[0].geom, "count": 3, "runtime_hours": 24, "power_kva": 60})
    return {"supplies": created, "nros": len(nros)}

"""The situation report PDF stays one A4 page in the worst case: many communes touched, several
alerts, every optional section filled (as the damage, restoration and power apps will), a long log."""
import re
import subprocess

from django.utils import timezone

from network.models import Commune
from reporting.models import SituationReport
from reporting.services.export import as_pdf


def test_worst_case_stays_one_page_and_says_the_rest_is_in_the_csv(crisis, tmp_path):
    communes = [{"insee": c.insee, "name": c.name, "premises": 5000, "exposed": 4000, "cut": 900, "restored": 100,
                 "without_service": 800, "critical": 5, "critical_exposed": 3, "critical_cut": 1, "tickets": 3,
                 "expected_restoration": None, "touched": True}
                for c in Commune.objects.filter(insee__startswith="29").order_by("-name")[:60]]
    figures = {
        "crisis": {"name": "Tempête Ciarán — Finistère", "level_label": "Crise"}, "networks": [{"name": "RIP Finistère"}],
        "alerts": [{"hazard_label": "Vent violent", "level_label": "Rouge", "headline": "Rafales de 180 km/h sur le littoral " * 3}] * 6,
        "totals": {"communes_touched": 60, "exposed": 240000, "cut": 54000, "restored": 6000, "without_service": 48000,
                   "critical_cut": 60, "tickets_open": 180, "sla_breached": 12},
        "communes": communes, "critical_sites": [{"label": "Mairie", "cut": 12}, {"label": "EHPAD", "cut": 4}],
        "tickets": {"by_status": [{"label": "Pris en compte", "n": 80}, {"label": "En cours", "n": 100}],
                    "sla": {"breached": 12, "at_risk": 20, "ok": 148}},
        "log": [{"kind_label": "Action", "organisation": "Syndicat", "text": "Groupe électrogène au NRO de Quimper " * 5}] * 30,
        "damage_reports": {"total": 340, "by_kind": {"poteau": 200, "câble": 140}},
        "restoration": {"communes": [{"insee": "29232", "eta_p50": "2026-12-03T12:00:00+00:00"}] * 30},
        "power": {"net-a": {"by_state": {"on_battery": 12, "dark": 3, "mains": 700}}},
        "trends": {"totals": {"exposed": 1000, "without_service": -500}},
    }
    report = SituationReport.objects.create(crisis=crisis, number=3, at=timezone.now(), figures=figures)
    path = tmp_path / "worst.pdf"
    path.write_bytes(as_pdf(report))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "et 45 autre(s) commune(s) touchée(s) : voir le CSV" in text
    for title in ("Signalements de dommages", "Perspectives de rétablissement", "Alimentation électrique des sites actifs",
                  "Actions de la main courante"):
        assert title in text

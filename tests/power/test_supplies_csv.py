"""CSV import of power supplies (columns of docs/power.md): all or nothing, every fault reported."""
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from power.models import GeneratorKind, PowerSupply
from power.services.supplies import import_csv

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parent / "fixtures" / "supplies.csv"


def test_import_creates_then_updates(net):
    report = import_csv(net.network, FIXTURE.read_text())
    assert report == {"created": 2, "updated": 0, "errors": []}
    nro = PowerSupply.objects.get(site__code="ST-NRO1")
    assert nro.battery_hours == 4 and nro.mobile_connectable and nro.battery_tested_on.isoformat() == "2026-03-15"
    pm = PowerSupply.objects.get(site__code="ST-SRO1")
    assert pm.battery_hours == 2.5 and pm.generator == GeneratorKind.FIXED and pm.fuel_hours == 8
    assert not pm.mobile_connectable and pm.comment == "PM actif (armoire)"
    assert import_csv(net.network, FIXTURE.read_text())["updated"] == 2


def test_every_fault_is_reported_and_nothing_written(net):
    text = ("site_code,battery_hours,generator,mobile_connectable,battery_tested_on,grid_lon,grid_lat\n"
            "ST-NRO1,quatre,none,oui,,,\n"
            "ST-XXX,4,none,oui,,,\n"
            "ST-SRO1,4,diesel,peut-être,15/03/2026,abc,48\n")
    report = import_csv(net.network, text)
    paths = [e["path"] for e in report["errors"]]
    assert paths == ["ligne 2.battery_hours", "ligne 3.site_code", "ligne 4.generator",
                     "ligne 4.battery_tested_on", "ligne 4.mobile_connectable", "ligne 4.grid_lon"]
    assert PowerSupply.objects.count() == 0
    assert import_csv(net.network, "code;hours\nX;1\n")["errors"][0]["reason"].startswith("colonnes manquantes")


def test_command_imports_and_refuses_with_reasons(net, tmp_path, capsys):
    call_command("import_power_supplies", str(FIXTURE), "--network", "net-a")
    assert PowerSupply.objects.count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("site_code;battery_hours\nST-NOPE;4\n")
    with pytest.raises(CommandError, match="ligne 2.site_code"):
        call_command("import_power_supplies", str(bad), "--network", "net-a")

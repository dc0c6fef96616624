"""Issue 4 acceptance: a generated network survives the GraceTHD exchange.

generate → export → import into an empty network → export again gives identical tables (same rows,
codes and attributes, geometries within 1 cm), and the imported network has the same service:
the impact engine finds the same premises behind the same cut.
"""
from django.core.management import call_command

from network.models import Cable, CableRoute, Network, Premises, RouteSegment
from network.services.gracethd import export_network, import_network
from organisations.models import Organisation, OrganisationKind
from resilience.services.impact import impact

from .gracethd_helpers import assert_same_tables, read_tables

PREMISES = 5000


def test_generate_export_import_export_is_identical(db, tmp_path):
    Organisation.objects.create(slug="syn-g", name="Syndicat G", kind=OrganisationKind.SYNDICATE)
    Organisation.objects.create(slug="oi-g", name="OI G", kind=OrganisationKind.OPERATOR)
    call_command("generate_rip", "--network", "gen", "--departement", "29", "--premises", str(PREMISES),
                 "--seed", "7", "--owner", "syn-g", "--operator", "oi-g")
    generated = Network.objects.get(slug="gen")
    assert Premises.objects.filter(network=generated).count() == PREMISES

    export_network(generated, tmp_path / "first", version="2")
    result = import_network(tmp_path / "first", "gen-copy", owner="syn-g", operator="oi-g")
    copy = result.network
    assert result.network_created and result.counts["premises"]["created"] == PREMISES
    export_network(copy, tmp_path / "second")
    assert_same_tables(read_tables(tmp_path / "first"), read_tables(tmp_path / "second"))

    for model in (RouteSegment, Cable, Premises):
        assert model.objects.filter(network=copy).count() == model.objects.filter(network=generated).count()
    assert CableRoute.objects.filter(cable__network=copy).count() == CableRoute.objects.filter(cable__network=generated).count()

    # Same service on both sides: cutting the first distribution cable's first segment cuts the same premises.
    cable = Cable.objects.filter(network=generated, role="DI").order_by("code").first()
    segment = CableRoute.objects.filter(cable=cable).order_by("position").first().segment.code
    cut_generated = impact(generated, failed_segments=[segment])
    cut_copy = impact(copy, failed_segments=[segment])
    assert cut_generated.premises > 0
    codes = dict(Premises.objects.filter(network__in=[generated, copy]).values_list("pk", "code"))
    assert sorted(codes[i] for i in cut_generated.premises_ids) == sorted(codes[i] for i in cut_copy.premises_ids)

    # Re-importing the same export is a no-op.
    again = import_network(tmp_path / "first", "gen-copy")
    assert all(not (c["created"] or c["updated"] or c.get("deleted")) for c in again.counts.values())

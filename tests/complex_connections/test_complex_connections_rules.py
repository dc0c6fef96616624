"""Complex connections: each rule fires on the small network with its French explanation and
figures; costs, aid tiers and remaining charge computed by hand."""
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point

from complex_connections.models import ComplexConnectionCostModel
from network.models import Enclosure, EnclosureType, Node
from complex_connections.services.costs import cost_model_for, estimate
from complex_connections.services.detect import StormDamage, detect_complex_connections
from complex_connections.services.rules import private_length, private_tier
from tests.complex_connections.complex_connections_helpers import BUILT_CASES, cases_by_code, move


def test_shipped_default_cost_model(db):
    default = ComplexConnectionCostModel.objects.get(network__isnull=True)
    assert (default.aid_under_10m, default.aid_10_30m, default.aid_over_30m) == (400, 800, 1200)
    assert default.trench_per_m == Decimal("80") and default.new_pole == Decimal("1200")


@pytest.mark.parametrize("length, hard, tier", [
    (0, False, "under_10m"), (9.9, False, "under_10m"), (5, True, "10_30m"), (10, False, "10_30m"),
    (30, False, "10_30m"), (30.1, False, "over_30m"), (45, True, "over_30m"),
])
def test_aid_tiers(length, hard, tier):
    assert private_tier(length, hard) == tier


def test_private_length_is_distance_to_route_capped_by_drop():
    assert private_length(130, 120) == 120
    assert private_length(25, 60) == 25
    assert private_length(40, None) == 40


def test_built_network_cases_with_default_thresholds(small):
    detect_complex_connections(small.network)
    cases = cases_by_code(small.network)
    assert set(cases) == BUILT_CASES
    assert cases["AD-3-3"].rules == ["no_route", "private_works"]
    assert "le plus proche, CM-D3b, est à 62 m" in cases["AD-3-3"].explanation


def test_long_drop_no_route_private_works_costed_by_hand(small):
    # AD-1-1 moved 120 m west of the aerial segment CM-D1b: 130 m from its PBO, 120 m from any route.
    move(small.premises["AD-1-1"], 880, 550)
    detect_complex_connections(small.network)
    case = cases_by_code(small.network)["AD-1-1"]
    assert case.rules == ["long_drop", "no_route", "private_works"]
    texts = [f["explanation"] for f in case.findings]
    assert texts[0] == "Branchement de 130 m depuis le PBO BP-PBO1 (seuil 100 m)"
    assert texts[1] == ("Aucun cheminement à moins de 50 m (le plus proche, CM-D1b, est à 120 m) : "
                        "appuis neufs ou génie civil nécessaires")
    assert texts[2].startswith("Travaux en domaine privé estimés à 120 m")
    # 250 base + 10 m public aerial × 12 + private: 2 new poles × 1 200 + 120 m aerial × 12
    lines = {line["item"]: Decimal(line["amount"]) for line in case.cost_breakdown}
    assert lines == {"base_connection": Decimal("250"), "public_aerial": Decimal("120"),
                     "private_new_poles": Decimal("2400"), "private_aerial": Decimal("1440")}
    assert case.estimated_cost == Decimal("4210.00")
    assert case.inputs["aid_tier"] == "over_30m"
    assert case.aid == Decimal("1200.00")
    assert case.remaining_charge == Decimal("3010.00")


def test_already_connected_premises_needs_no_connection_works(small):
    # The same far-away premises, but already connected (RA) or subscribed (AB): not a case.
    premises = small.premises["AD-1-1"]
    move(premises, 880, 550)
    for status in ("RA", "AB"):
        premises.connection_status = status
        premises.save(update_fields=["connection_status"])
        detect_complex_connections(small.network)
        assert "AD-1-1" not in cases_by_code(small.network)
    premises.connection_status = "RB"
    premises.save(update_fields=["connection_status"])
    detect_complex_connections(small.network)
    assert cases_by_code(small.network)["AD-1-1"].rules == ["long_drop", "no_route", "private_works"]


def test_collective_building_without_riser(small):
    premises = small.premises["AD-1-2"]
    premises.housing_units, premises.has_vertical_cabling = 6, False
    premises.save()
    detect_complex_connections(small.network)
    case = cases_by_code(small.network)["AD-1-2"]
    assert case.rules == ["collective_no_vertical"]
    assert case.explanation == "Immeuble collectif de 6 logements sans colonne montante (seuil 4)"
    # 250 + public façade 27.7 m × 25 + private façade 15 m × 25 + riser 6 × 180; aid capped by the private part
    assert case.estimated_cost == Decimal("2397.50")
    assert case.inputs["aid_tier"] == "10_30m"
    assert case.aid == Decimal("375.00")
    assert case.remaining_charge == Decimal("2022.50")


def test_unknown_riser_is_not_flagged(small):
    premises = small.premises["AD-1-2"]
    premises.housing_units, premises.has_vertical_cabling = 6, None
    premises.save()
    detect_complex_connections(small.network)
    assert "AD-1-2" not in cases_by_code(small.network)


def test_blocked_conduit_from_pbo_failure_code(small):
    pbo = small.enclosures["BP-PBO3"]
    pbo.connection_failure = "FINT11"
    pbo.save()
    detect_complex_connections(small.network)
    case = cases_by_code(small.network)["AD-3-1"]
    assert case.rules == ["blocked_conduit"]
    assert case.explanation == ("Infrastructure tierce indisponible (fourreau bouché ou appui cassé) signalée au PBO "
                                "BP-PBO3 (bp_racco FINT11)")
    # 250 + 25 m private trench × 80; 25 m → €800 tier
    assert (case.estimated_cost, case.aid, case.remaining_charge) == (Decimal("2250"), Decimal("800"), Decimal("1450"))


def test_failed_attempt_on_the_premises_outlet_and_administrative_codes_ignored(small):
    n = small.network
    at = small.premises["AD-2-1"].geom
    node = Node.objects.create(network=n, code="ND-PTO-2-1", geom=Point(at.x + 1, at.y, srid=2154))
    Enclosure.objects.create(network=n, code="PTO-2-1", node=node, enclosure_type=EnclosureType.PTO,
                             connection_failure="FCLI05", geom=node.geom)
    pbo1 = small.enclosures["BP-PBO1"]
    pbo1.connection_failure = "FCLI01"  # customer unreachable: paperwork, not works
    pbo1.save()
    detect_complex_connections(n)
    cases = cases_by_code(n)
    assert cases["AD-2-1"].rules == ["failed_attempt"]
    assert cases["AD-2-1"].explanation == "Tentative de raccordement en échec au PTO PTO-2-1 (bp_racco FCLI05)"
    assert not {"AD-1-1", "AD-1-2", "AD-1-3"} & set(cases)


def test_on_demand_status(small):
    premises = small.premises["AD-1-3"]
    premises.connection_status = "RD"
    premises.save()
    detect_complex_connections(small.network)
    case = cases_by_code(small.network)["AD-1-3"]
    assert case.rules == ["on_demand"]
    assert "raccordable sur demande (sf_racco RD)" in case.explanation


def test_storm_support_hs_and_destroyed_pole_on_drop_route(small):
    for code in ("AD-1-1", "AD-1-2", "AD-1-3"):  # subscribers: they had service
        small.premises[code].connection_status = "AB"
        small.premises[code].save()
    support = small.supports["PT-PBO1"]
    support.state = "HS"
    support.save()
    move(small.premises["AD-1-1"], 880, 550)  # its drop route is CM-D1b, from pole PT-A1
    detect_complex_connections(small.network, storm=StormDamage(support_ids=frozenset({small.supports["PT-A1"].pk})))
    cases = cases_by_code(small.network)
    for code in ("AD-1-2", "AD-1-3"):
        assert cases[code].rules == ["storm_civil_works"]
        assert "l'appui PT-PBO1 qui porte le PBO BP-PBO1 est à changer (HS)" in cases[code].explanation
        assert {"storm_pole"} <= {line["item"] for line in cases[code].cost_breakdown}
    storm = [f for f in cases["AD-1-1"].findings if f["rule"] == "storm_civil_works"][0]
    assert "le poteau PT-A1 du cheminement de branchement CM-D1b est détruit" in storm["explanation"]
    assert cases["AD-1-2"].priority_score > 300  # storm victims come before ordinary cases


def test_storm_rule_needs_premises_that_had_service(small):
    support = small.supports["PT-PBO1"]
    support.state = "HS"
    support.save()
    small.premises["AD-1-2"].connection_status = "RA"
    small.premises["AD-1-2"].save()
    detect_complex_connections(small.network)
    cases = cases_by_code(small.network)
    assert cases["AD-1-2"].rules == ["storm_civil_works"]
    assert "AD-1-3" not in cases  # raccordable only (RB): not left without service


def test_storm_premises_listed_by_impact(small):
    detect_complex_connections(small.network, storm=StormDamage(premises_ids=frozenset({small.premises["AD-1-1"].pk})))
    assert "analyse d'impact" in cases_by_code(small.network)["AD-1-1"].explanation


def test_critical_site_first(small):
    hospital = small.premises["AD-2-1"]  # a hospital in the builder
    hospital.connection_status = "RD"
    hospital.save()
    detect_complex_connections(small.network)
    from complex_connections.models import ComplexConnection

    first = ComplexConnection.objects.filter(network=small.network).first()
    assert first.premises.code == "AD-2-1" and first.priority_score >= 1000


def test_estimate_uses_unit_costs(small):
    model = cost_model_for(small.network)
    inputs = {"drop_m": 25.0, "route_m": 25.0, "route_mode": "4"}
    before = estimate(["private_works"], inputs, model)
    model.trench_per_m = Decimal("100")
    after = estimate(["private_works"], inputs, model)
    assert after.total - before.total == Decimal("500.00")  # 25 m × €20 more

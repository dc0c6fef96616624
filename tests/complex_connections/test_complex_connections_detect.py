"""Complex connections: idempotent detection, cases in progress never reset, stale cases removed,
cost model changes re-price the live estimates, the command, the audit trail."""
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from complex_connections.models import ComplexConnection, ComplexConnectionCostModel
from complex_connections.services import workflow
from complex_connections.services.costs import save_cost_model
from complex_connections.services.detect import detect_complex_connections
from tests.builders import build_small_network
from tests.complex_connections.complex_connections_helpers import BUILT_CASES, cases_by_code, move


def audit_actions(case_pk):
    ct = ContentType.objects.get_for_model(ComplexConnection)
    return list(AuditEvent.objects.filter(content_type=ct, object_id=str(case_pk)).order_by("id").values_list("action", flat=True))


def test_rerun_is_idempotent(small):
    first = detect_complex_connections(small.network)
    ids = {code: c.pk for code, c in cases_by_code(small.network).items()}
    second = detect_complex_connections(small.network)
    assert (first.created, second.created, second.updated, second.unchanged) == (4, 0, 0, 4)
    assert {code: c.pk for code, c in cases_by_code(small.network).items()} == ids
    assert ComplexConnection.objects.filter(network=small.network).count() == len(BUILT_CASES)
    assert audit_actions(ids["AD-3-3"]) == ["create"]  # an unchanged re-run writes no audit row
    confirmed = cases_by_code(small.network)["AD-3-3"]
    assert confirmed.last_detection_at > confirmed.detected_at  # but records that it confirmed the case


def test_rerun_updates_rules_and_costs_of_detected_cases(small):
    detect_complex_connections(small.network)
    case = cases_by_code(small.network)["AD-3-2"]
    assert case.rules == ["private_works"]
    move(small.premises["AD-3-2"], 1600 + 40, -1000 + 80)  # now 89 m from CM-D3b
    result = detect_complex_connections(small.network)
    updated = cases_by_code(small.network)["AD-3-2"]
    assert result.updated == 1 and updated.pk == case.pk
    assert updated.rules == ["no_route", "private_works"]
    assert updated.estimated_cost > case.estimated_cost
    assert audit_actions(case.pk) == ["create", "update"]


def test_case_in_progress_is_never_reset(small):
    detect_complex_connections(small.network)
    case = cases_by_code(small.network)["AD-2-3"]
    workflow.transition(case, "surveyed")
    snapshot = (case.rules, case.estimated_cost, case.explanation)
    move(small.premises["AD-2-3"], 1300 + 5, 600 + 5)  # would no longer fire anything
    result = detect_complex_connections(small.network)
    kept = ComplexConnection.objects.get(pk=case.pk)
    assert result.kept_in_progress == 1 and result.removed == 0
    assert kept.status == "surveyed"
    assert (kept.rules, kept.estimated_cost, kept.explanation) == snapshot


def test_detected_case_that_no_longer_fires_is_removed(small):
    detect_complex_connections(small.network)
    case = cases_by_code(small.network)["AD-2-2"]
    move(small.premises["AD-2-2"], 1300 + 5, 600 + 5)
    result = detect_complex_connections(small.network)
    assert result.removed == 1
    assert not ComplexConnection.objects.filter(pk=case.pk).exists()
    assert audit_actions(case.pk) == ["create", "delete"]


def test_changing_a_unit_cost_changes_the_estimates(small):
    detect_complex_connections(small.network)
    case = cases_by_code(small.network)["AD-3-2"]  # 250 + 42.7 m trench × 80
    assert case.estimated_cost == Decimal("3666.00")
    default = ComplexConnectionCostModel.objects.get(network__isnull=True)
    default.trench_per_m = Decimal("100")
    actions_before = audit_actions(case.pk)
    repriced = save_cost_model(default)  # re-prices live cases at once
    case.refresh_from_db()
    assert case.estimated_cost == Decimal("4520.00")
    assert case.remaining_charge == Decimal("3320.00")
    # one summary row on the cost model, none per case
    assert audit_actions(case.pk) == actions_before
    rows = AuditEvent.objects.filter(content_type__model="complexconnectioncostmodel", object_id=str(default.pk))
    assert rows.count() == 1
    row = rows.get()
    assert Decimal(row.before["trench_per_m"]) == 80 and Decimal(row.after["trench_per_m"]) == 100
    assert row.after["repriced_cases"] == repriced >= 1 and case.pk in row.after["repriced_case_ids"]


def test_saving_a_cost_model_alone_reprices_nothing(small):
    detect_complex_connections(small.network)
    case = cases_by_code(small.network)["AD-3-2"]
    default = ComplexConnectionCostModel.objects.get(network__isnull=True)
    default.trench_per_m = Decimal("100")
    default.save()
    case.refresh_from_db()
    assert case.estimated_cost == Decimal("3666.00")


def test_network_cost_model_overrides_defaults_for_its_network_only(small):
    other = build_small_network("net-b", owner="syn-b", operator="oi-b")
    detect_complex_connections(small.network)
    detect_complex_connections(other.network)
    save_cost_model(ComplexConnectionCostModel(network=small.network, trench_per_m=Decimal("50")))
    assert cases_by_code(small.network)["AD-3-2"].estimated_cost == Decimal("2385.00")  # 250 + 42.7 × 50
    assert cases_by_code(other.network)["AD-3-2"].estimated_cost == Decimal("3666.00")


def test_quoted_estimate_is_frozen(small):
    detect_complex_connections(small.network)
    case = cases_by_code(small.network)["AD-3-2"]
    workflow.transition(case, "surveyed")
    workflow.transition(case, "quoted")
    default = ComplexConnectionCostModel.objects.get(network__isnull=True)
    default.trench_per_m = Decimal("100")
    save_cost_model(default)
    case.refresh_from_db()
    assert case.estimated_cost == Decimal("3666.00")


def test_hard_surface_found_at_survey_raises_the_aid_tier(small):
    premises = small.premises["AD-3-1"]
    premises.connection_status = "RD"
    premises.save()
    move(premises, 1605, -992)  # 9.4 m from CM-D3b (direct burial)
    detect_complex_connections(small.network)
    case = cases_by_code(small.network)["AD-3-1"]
    assert case.inputs["aid_tier"] == "under_10m" and case.aid == Decimal("400.00")
    case = workflow.update_case(case, hard_surface=True)
    assert case.inputs["aid_tier"] == "10_30m"
    assert case.aid == Decimal("752.00")  # capped by the private trench: 9.4 m × 80


def test_workflow_transitions_and_audit(small):
    detect_complex_connections(small.network)
    case = cases_by_code(small.network)["AD-3-3"]
    with pytest.raises(ValidationError) as refused:
        workflow.transition(case, "connected")
    assert "detected" in str(refused.value) and "connected" in str(refused.value)
    with pytest.raises(ValidationError):
        workflow.transition(case, "abandoned")  # a reason is mandatory
    for step in ("surveyed", "quoted", "aid_requested", "works_scheduled", "connected"):
        case = workflow.transition(case, step)
    assert case.status == "connected"
    with pytest.raises(ValidationError):
        workflow.transition(case, "abandoned", reason="trop tard")
    assert audit_actions(case.pk) == ["create"] + ["update"] * 5


def test_abandon_with_reason_keeps_it_and_a_note(small):
    detect_complex_connections(small.network)
    case = workflow.transition(cases_by_code(small.network)["AD-2-3"], "abandoned", reason="Refus du propriétaire")
    assert case.abandon_reason == "Refus du propriétaire"
    assert case.notes.get().text.endswith("Refus du propriétaire")


def test_command(small, capsys):
    call_command("detect_complex_connections", "--network", "net-a")
    out = capsys.readouterr().out
    assert '"created": 4' in out
    call_command("detect_complex_connections", "--network", "net-a")
    assert '"created": 0' in capsys.readouterr().out
    assert ComplexConnection.objects.count() == 4


def test_command_damaged_supports(small, capsys):
    from network.models import Premises

    Premises.objects.filter(network=small.network, code__startswith="AD-1-").update(connection_status="AB")
    call_command("detect_complex_connections", "--network", "net-a", "--damaged-supports", "PT-PBO1")
    assert set(cases_by_code(small.network)) >= {"AD-1-1", "AD-1-2", "AD-1-3"}


@pytest.mark.parametrize("args, reason", [
    (["--network", "nope"], "network"),
    (["--network", "net-a", "--damaged-supports", "PT-NOPE"], "PT-NOPE"),
])
def test_command_refuses(small, args, reason):
    with pytest.raises(CommandError, match=reason):
        call_command("detect_complex_connections", *args)


def test_transition_emits_an_outbox_event_for_owner_and_operator(small):
    from webhooks.models import OutboxEvent

    detect_complex_connections(small.network)
    case = workflow.transition(cases_by_code(small.network)["AD-2-3"], "surveyed")
    event = OutboxEvent.objects.get(subject=f"complexConnection:{case.pk}")
    assert event.event_type == "ComplexConnectionStatusChangeEvent"
    assert event.payload["complexConnection"]["from"] == "detected"
    assert event.payload["complexConnection"]["status"] == "surveyed"
    assert set(event.organisation_ids) == {small.network.owner_id, small.network.operator_id}


def test_admin_pages(small, client, django_user_model, settings):
    settings.MFA_REQUIRED_ROLES = []  # a superuser's session needs a second factor otherwise (docs/security.md)
    detect_complex_connections(small.network)
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    default = ComplexConnectionCostModel.objects.get(network__isnull=True)
    case = cases_by_code(small.network)["AD-3-2"]
    for url in ("/admin/complex_connections/complexconnection/", f"/admin/complex_connections/complexconnection/{case.pk}/change/",
                "/admin/complex_connections/complexconnectioncostmodel/",
                f"/admin/complex_connections/complexconnectioncostmodel/{default.pk}/change/"):
        assert client.get(url).status_code == 200, url
    data = {f: getattr(default, f) for f in (
        "base_connection", "trench_per_m", "conduit_per_m", "aerial_per_m", "facade_per_m", "new_pole", "chamber",
        "vertical_cabling_per_housing", "aid_under_10m", "aid_10_30m", "aid_over_30m")}
    data["trench_per_m"] = "100"
    response = client.post(f"/admin/complex_connections/complexconnectioncostmodel/{default.pk}/change/", {**data, "network": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.estimated_cost == Decimal("4520.00")  # re-priced by the admin save
    row = AuditEvent.objects.filter(content_type__model="complexconnectioncostmodel").latest("id")
    assert row.actor == admin and row.after["repriced_cases"] >= 1

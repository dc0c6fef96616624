"""Cost estimate of a complex connection with the 2025 State aid for private-domain works.

The estimate is a sum of priced lines (the *cost breakdown* stored on the case), computed from
the figures measured at detection (`case.inputs`), the rules that fired and the network's cost
model. Each line says whether it is private-domain work (what the State aid covers):

- base connection (*raccordement de base*), always;
- public part: the drop minus its private part, along the nearest existing route, priced by that
  route's laying mode (aerial, façade, or pulled in the existing conduit). When the conduit is
  blocked (`blocked_conduit`), the public part is rebuilt: new trench and chambers underground,
  new poles on an aerial route;
- private part (`rules.private_length`): a new aerial span (plus a pole per started span beyond
  the first) when the nearest route is aerial or on façades, otherwise a trench with one pulling
  chamber per started `CHAMBER_SPACING_M` metres;
- vertical cabling per dwelling for a collective building without a riser;
- after a storm, a new pole (or chamber) for the destroyed support that carried the PBO and a
  new pole for a destroyed pole of the drop route.

Aid = min(tier amount, private-domain subtotal); remaining charge = estimated cost − aid.

When estimates change: on every detection run (for cases still `detected`), and whenever a cost
model is saved through `save_cost_model` (the admin does) for cases still `detected` or
`surveyed`: one transaction, one audit row naming the actor, the cost change and the re-priced
cases (not thousands of rows). `Model.save()` itself re-prices nothing. From `quoted` on, the
estimate is frozen: the quote replaces it.
"""
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t

from complex_connections.models import ComplexConnection, ComplexConnectionCostModel
from core.audit import record, snapshot

from . import rules as R
from .priority import priority_score

CENT = Decimal("0.01")
AERIAL_MODES = {"0", "1"}
FACADE_MODES = {"2", "3"}


@dataclass
class Estimate:
    breakdown: list
    total: Decimal
    private_total: Decimal
    tier: str
    aid: Decimal
    remaining: Decimal


def cost_model_for(network):
    """The network's own cost model, else the shipped defaults (created if someone deleted them)."""
    own = ComplexConnectionCostModel.objects.filter(network=network).first() if network is not None else None
    if own is not None:
        return own
    default = ComplexConnectionCostModel.objects.filter(network__isnull=True).first()
    if default is None:  # the migration ships it; recreate its defaults rather than fail
        default = ComplexConnectionCostModel(network=None)
        default.save()
    return default


def _q(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def estimate(rule_codes, inputs: dict, cost_model, *, hard_surface: bool = False, th: dict | None = None) -> Estimate:
    th = th or R.thresholds()
    lines = []

    def line(item, label, quantity, unit, unit_cost, private=False):
        quantity = round(float(quantity), 1)
        amount = _q(Decimal(str(quantity)) * unit_cost)
        lines.append({
            "item": item, "label": label, "quantity": quantity, "unit": unit,
            "unit_cost": str(_q(unit_cost)), "amount": str(amount), "private": private,
        })

    codes = set(rule_codes)
    drop_m = inputs.get("drop_m") or 0.0
    private_m = R.private_length(inputs.get("drop_m"), inputs.get("route_m"))
    public_m = max(drop_m - private_m, 0.0)
    mode = inputs.get("route_mode") or ""
    aerial = mode in AERIAL_MODES
    span = float(th["POLE_SPAN_M"])
    spacing = float(th["CHAMBER_SPACING_M"])
    cm = cost_model

    line("base_connection", _t("Raccordement de base"), 1, "u", cm.base_connection)

    if public_m > 0:
        if R.BLOCKED_CONDUIT.code in codes:
            if aerial or mode in FACADE_MODES:
                line("public_new_poles", _t("Poteaux neufs (partie publique)"), math.ceil(public_m / span), "u", cm.new_pole)
                line("public_aerial", _t("Câble aérien (partie publique)"), public_m, "m", cm.aerial_per_m)
            else:
                line("public_trench", _t("Tranchée (fourreau bouché, partie publique)"), public_m, "m", cm.trench_per_m)
                line("public_chambers", _t("Chambres de tirage (partie publique)"), math.ceil(public_m / spacing), "u", cm.chamber)
        elif aerial:
            line("public_aerial", _t("Câble aérien sur appuis existants (partie publique)"), public_m, "m", cm.aerial_per_m)
        elif mode in FACADE_MODES:
            line("public_facade", _t("Pose en façade (partie publique)"), public_m, "m", cm.facade_per_m)
        else:
            line("public_conduit", _t("Tirage en fourreau existant (partie publique)"), public_m, "m", cm.conduit_per_m)

    if private_m > 0:
        if aerial:
            poles = max(math.ceil(private_m / span) - 1, 0)
            if poles:
                line("private_new_poles", _t("Poteaux neufs (domaine privé)"), poles, "u", cm.new_pole, private=True)
            line("private_aerial", _t("Câble aérien (domaine privé)"), private_m, "m", cm.aerial_per_m, private=True)
        elif mode in FACADE_MODES:
            line("private_facade", _t("Pose en façade (domaine privé)"), private_m, "m", cm.facade_per_m, private=True)
        else:
            line("private_trench", _t("Tranchée (domaine privé)"), private_m, "m", cm.trench_per_m, private=True)
            if private_m > spacing or R.NO_ROUTE.code in codes:
                line("private_chambers", _t("Chambres de tirage (domaine privé)"), math.ceil(private_m / spacing), "u",
                     cm.chamber, private=True)

    if R.COLLECTIVE_NO_VERTICAL.code in codes:
        line("vertical_cabling", _t("Colonne montante"), inputs.get("housing_units") or 0, "logement",
             cm.vertical_cabling_per_housing)

    if R.STORM_CIVIL_WORKS.code in codes and inputs.get("connection_status") in R.HAD_SERVICE:
        if inputs.get("support_down"):
            if inputs.get("support_type") == "C":
                line("storm_chamber", _t("Chambre à reconstruire (support du PBO)"), 1, "u", cm.chamber)
            else:
                line("storm_pole", _t("Poteau à remplacer (support du PBO)"), 1, "u", cm.new_pole)
        if inputs.get("route_pole_down"):
            line("storm_route_pole", _t("Poteau détruit du cheminement à remplacer"), 1, "u", cm.new_pole)

    total = sum((Decimal(item["amount"]) for item in lines), Decimal("0"))
    private_total = sum((Decimal(item["amount"]) for item in lines if item["private"]), Decimal("0"))
    tier = R.private_tier(private_m, hard_surface)
    aid = min(Decimal(getattr(cm, R.TIER_FIELDS[tier])), private_total) if private_total > 0 else Decimal("0")
    return Estimate(lines, _q(total), _q(private_total), tier, _q(aid), _q(total - aid))


def apply_estimate(case, cost_model, th=None) -> bool:
    """Recompute the case's estimate and priority in memory. True when something changed."""
    est = estimate(case.rules, case.inputs, cost_model, hard_surface=case.hard_surface, th=th)
    inputs = {**case.inputs, "aid_tier": est.tier, "private_total": str(est.private_total)}
    score = priority_score(case.rules, inputs, est.total)
    before = (case.cost_breakdown, case.estimated_cost, case.aid, case.remaining_charge, case.priority_score, case.inputs)
    case.cost_breakdown, case.estimated_cost, case.aid, case.remaining_charge = est.breakdown, est.total, est.aid, est.remaining
    case.priority_score, case.inputs = score, inputs
    after = (case.cost_breakdown, case.estimated_cost, case.aid, case.remaining_charge, case.priority_score, case.inputs)
    return _normalise(before) != _normalise(after)


def _normalise(values):
    return tuple(str(v) if isinstance(v, (Decimal, float)) else v for v in values)


COST_FIELDS = ["cost_breakdown", "estimated_cost", "aid", "remaining_charge", "priority_score", "inputs", "updated_at"]


def reprice_for_cost_model(cost_model) -> list[int]:
    """Re-estimate the live cases (detected, surveyed) priced by `cost_model`: its network's, or,
    for the shipped defaults, those of every network without a cost model of its own. Returns the
    ids of the cases whose estimate changed. No audit here: `save_cost_model` records one row."""
    cases = ComplexConnection.objects.filter(status__in=ComplexConnection.LIVE_ESTIMATE_STATUSES)
    if cost_model.network_id is not None:
        cases = cases.filter(network_id=cost_model.network_id)
    else:
        own = ComplexConnectionCostModel.objects.filter(network__isnull=False).values("network_id")
        cases = cases.exclude(network_id__in=own)
    th = R.thresholds()
    now = timezone.now()
    changed, ids = [], []
    with transaction.atomic():
        for case in cases.select_related("premises").iterator(chunk_size=2000):
            if apply_estimate(case, cost_model, th):
                case.updated_at = now
                changed.append(case)
                ids.append(case.pk)
            if len(changed) >= 2000:
                ComplexConnection.objects.bulk_update(changed, COST_FIELDS)
                changed = []
        if changed:
            ComplexConnection.objects.bulk_update(changed, COST_FIELDS)
    return ids


def save_cost_model(cost_model, *, actor=None, organisation=None) -> int:
    """Save a cost model (new or changed) and re-price the live estimates it prices, in one
    transaction, with one audit row: the cost model before and after, plus the number and ids of
    the re-priced cases. Returns the number of cases re-priced."""
    with transaction.atomic():
        created = cost_model.pk is None
        current = None if created else ComplexConnectionCostModel.objects.filter(pk=cost_model.pk).first()
        before = snapshot(current) if current is not None else None
        cost_model.save()
        ids = reprice_for_cost_model(cost_model)
        after = {**snapshot(cost_model), "repriced_cases": len(ids), "repriced_case_ids": ids}
        record(cost_model, "create" if created else "update", actor=actor, organisation=organisation,
               before=before, after=after)
    return len(ids)

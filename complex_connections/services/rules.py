"""Detection rules of complex connections: each one named (a stable code), explained in French on
the case with the figures that made it fire.

The inputs of the rules are measured in SQL by `detect.py` for every premises of a network
(one row per premises, see `detect.MEASURE_SQL`); this module only decides, on one row, which
rules fire and why. Thresholds come from `settings.COMPLEX_CONNECTIONS` (see `thresholds()`).

Lengths are straight lines in Lambert-93 metres: the real drop follows the street and is longer,
so thresholds are on the conservative side.
"""
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

DEFAULT_THRESHOLDS = {
    "DROP_LENGTH_M": 100,
    "NO_ROUTE_DISTANCE_M": 50,
    "PRIVATE_WORKS_M": 30,
    "COLLECTIVE_MIN_HOUSING": 4,
    "POLE_SPAN_M": 40,
    "CHAMBER_SPACING_M": 100,
    "PTO_MATCH_M": 5,
    "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
}


def thresholds() -> dict:
    """The shipped thresholds overridden by `settings.COMPLEX_CONNECTIONS`."""
    return {**DEFAULT_THRESHOLDS, **getattr(settings, "COMPLEX_CONNECTIONS", {})}


@dataclass(frozen=True)
class Rule:
    code: str
    label: str


LONG_DROP = Rule("long_drop", _("Branchement long"))
NO_ROUTE = Rule("no_route", _("Aucun cheminement existant à proximité"))
PRIVATE_WORKS = Rule("private_works", _("Travaux importants en domaine privé"))
BLOCKED_CONDUIT = Rule("blocked_conduit", _("Fourreau bouché ou infrastructure tierce indisponible"))
FAILED_ATTEMPT = Rule("failed_attempt", _("Échec d'une tentative de raccordement"))
ON_DEMAND = Rule("on_demand", _("Raccordable sur demande (PBO à déployer)"))
COLLECTIVE_NO_VERTICAL = Rule("collective_no_vertical", _("Immeuble collectif sans colonne montante"))
STORM_CIVIL_WORKS = Rule("storm_civil_works", _("Rétablissement après tempête nécessitant du génie civil"))

RULES = {r.code: r for r in (
    LONG_DROP, NO_ROUTE, PRIVATE_WORKS, BLOCKED_CONDUIT, FAILED_ATTEMPT, ON_DEMAND, COLLECTIVE_NO_VERTICAL,
    STORM_CIVIL_WORKS,
)}

# GraceTHD l_bp_racco codes (bp_racco of t_ebp) that mean the connection needs works, not paperwork.
# FINT11: third-party infrastructure (conduit, pole) unusable: blocked, broken, or long delay.
BLOCKED_CONDUIT_CODES = frozenset({"FINT11"})
# FINT13: riser (colonne montante) out of order; FCLI05: the customer refused the works (drilling…);
# FCLI06: the building manager refused surface cabling on the landing. All need a survey and works.
# The other codes (FCLI01-04/07 contact, FADR address, FIMP order, FRDV appointment, FINT01-10/12
# production) are administrative or fixed by the OI on its own network: they are not complex.
FAILED_ATTEMPT_CODES = frozenset({"FINT13", "FCLI05", "FCLI06"})

# l_suf_racco statuses of premises that had service before a storm (abonné, raccordé).
HAD_SERVICE = frozenset({"AB", "RA"})

# Aid tiers for private-domain works (2025): key -> (cost model field, French label)
TIER_UNDER_10M = "under_10m"
TIER_10_30M = "10_30m"
TIER_OVER_30M = "over_30m"
TIER_FIELDS = {TIER_UNDER_10M: "aid_under_10m", TIER_10_30M: "aid_10_30m", TIER_OVER_30M: "aid_over_30m"}


def private_tier(private_m: float, hard_surface: bool = False) -> str:
    """The 2025 aid tier: under 10 m; 10 to 30 m or a hard surface; over 30 m."""
    if private_m > 30:
        return TIER_OVER_30M
    if private_m >= 10 or hard_surface:
        return TIER_10_30M
    return TIER_UNDER_10M


def private_length(drop_m: float | None, route_m: float | None) -> float:
    """Estimated private-domain length (*partie privative*).

    Route segments (cheminements) follow the public road; the distance from the premises to the
    nearest one is therefore the stretch to build across private land (driveway, garden, yard),
    capped by the drop length itself (a PBO closer than any route is reached directly). The rest
    of the drop, `drop − private`, runs along the existing public route.
    """
    if drop_m is None and route_m is None:
        return 0.0
    if route_m is None:
        return float(drop_m)
    if drop_m is None:
        return float(route_m)
    return float(min(route_m, drop_m))


def _m(value) -> str:
    return f"{value:.0f}"


def evaluate(row: dict, th: dict | None = None) -> list[dict]:
    """The rules that fire on one measured premises row, as [{rule, label, explanation}]."""
    th = th or thresholds()
    found = []

    def hit(rule: Rule, explanation: str):
        found.append({"rule": rule.code, "label": str(rule.label), "explanation": explanation})

    drop_m, route_m = row.get("drop_m"), row.get("route_m")
    pbo = row.get("pbo_code") or "?"
    # A premises already connected (subscribed AB or connected RA) needs no connection works: the
    # connection rules concern the premises still to connect; only the storm rule concerns the others.
    to_connect = row.get("connection_status") not in HAD_SERVICE
    if to_connect:
        _connection_rules(row, th, hit, drop_m, route_m, pbo)
    _storm_rule(row, hit, pbo)
    return found


def _connection_rules(row, th, hit, drop_m, route_m, pbo) -> None:
    """Rules for a premises still to connect: long drop, no route, private works, failed attempts,
    on demand, collective building without vertical cabling."""
    if drop_m is None:
        hit(LONG_DROP, _t("Aucun PBO dans le réseau pour desservir ce local"))
    elif drop_m > th["DROP_LENGTH_M"]:
        if row.get("pbo_assigned", True):
            text = _t("Branchement de %(d)s m depuis le PBO %(pbo)s (seuil %(t)s m)")
        else:
            text = _t("Aucun PBO de desserte renseigné : le plus proche, %(pbo)s, est à %(d)s m (seuil %(t)s m)")
        hit(LONG_DROP, text % {"d": _m(drop_m), "pbo": pbo, "t": _m(th["DROP_LENGTH_M"])})

    if route_m is None:
        hit(NO_ROUTE, _t("Aucun cheminement dans le réseau : appuis neufs ou génie civil nécessaires"))
    elif route_m > th["NO_ROUTE_DISTANCE_M"]:
        hit(NO_ROUTE, _t(
            "Aucun cheminement à moins de %(t)s m (le plus proche, %(route)s, est à %(d)s m) : "
            "appuis neufs ou génie civil nécessaires"
        ) % {"t": _m(th["NO_ROUTE_DISTANCE_M"]), "route": row.get("route_code"), "d": _m(route_m)})

    private_m = private_length(drop_m, route_m)
    if private_m > th["PRIVATE_WORKS_M"]:
        hit(PRIVATE_WORKS, _t(
            "Travaux en domaine privé estimés à %(d)s m (distance du local au cheminement le plus proche, "
            "seuil %(t)s m)"
        ) % {"d": _m(private_m), "t": _m(th["PRIVATE_WORKS_M"])})

    for code_field, where in (("pbo_failure", "PBO %(enc)s"), ("pto_failure", "PTO %(enc)s")):
        code = (row.get(code_field) or "").strip().upper()
        enc = row.get("pbo_code") if code_field == "pbo_failure" else row.get("pto_code")
        place = where % {"enc": enc}
        if code in BLOCKED_CONDUIT_CODES:
            hit(BLOCKED_CONDUIT, _t(
                "Infrastructure tierce indisponible (fourreau bouché ou appui cassé) signalée au %(place)s "
                "(bp_racco %(code)s)"
            ) % {"place": place, "code": code})
        elif code in FAILED_ATTEMPT_CODES:
            hit(FAILED_ATTEMPT, _t("Tentative de raccordement en échec au %(place)s (bp_racco %(code)s)")
                % {"place": place, "code": code})

    if row.get("connection_status") == "RD":
        hit(ON_DEMAND, _t("Local raccordable sur demande (sf_racco RD) : déploiement du PBO différé"))

    housing = row.get("housing_units") or 0
    if housing >= th["COLLECTIVE_MIN_HOUSING"] and row.get("has_vertical_cabling") is False:
        hit(COLLECTIVE_NO_VERTICAL, _t("Immeuble collectif de %(n)s logements sans colonne montante (seuil %(t)s)")
            % {"n": housing, "t": th["COLLECTIVE_MIN_HOUSING"]})



def _storm_rule(row, hit, pbo) -> None:
    """Storm: only premises that had service (subscribed AB or connected RA) are "left without
    service"; a premises merely connectable behind a downed support is not a storm victim (yet)."""
    storm = []
    had_service = row.get("connection_status") in HAD_SERVICE
    if had_service and row.get("support_down"):
        storm.append(_t("l'appui %(s)s qui porte le PBO %(pbo)s est à changer (HS)") % {"s": row.get("support_code"), "pbo": pbo})
    if had_service and row.get("route_pole_down"):
        storm.append(_t("le poteau %(s)s du cheminement de branchement %(route)s est détruit")
                     % {"s": row.get("route_pole_down"), "route": row.get("route_code")})
    if row.get("storm_listed"):
        storm.append(_t("local privé de service signalé par l'analyse d'impact de la tempête"))
    if storm:
        hit(STORM_CIVIL_WORKS, _t("Rétablissement nécessitant du génie civil : %(why)s") % {"why": " ; ".join(storm)})

"""Storm damage model (*modèle d'endommagement*): the failure probability of each exposed asset from
the alert's intensity (services/intensity.py) and the asset's own attributes, rather than one flat
rate per class and vigilance colour.

    p(asset) = min(p_max, p_ref(asset attributes) × f(I)),  f(I) = max(0, (I − I0) / (I_ref − I0)) ^ k

- `p_ref` is the probability at the reference intensity I_ref (wind: gusts of 180 km/h, a Ciarán in
  the Finistère), by asset class and attribute:
  - a pole (*appui*, `pt_typephy` A) by owner: Orange poles (the old copper network, wood, the
    oldest) break most, Enedis poles (concrete, power network) least, RIP poles (recent, sized for
    fibre) in between; × `pole_state` for a pole in poor state (`pt_etat` ME, HS: the only age
    proxy GraceTHD carries);
  - an aerial span or façade run (*cheminement* `cm_typ_imp` 0, 1, 2) per 100 m of its length (a
    tree falling on the line, the cable torn off): a segment of length L fails with
    1 − (1 − p₁₀₀)^(L / 100);
  - a façade anchor, a street cabinet (SRO site), an NRO shelter;
  - floods: a chamber (*chambre*), a street cabinet or shelter in the water, direct-burial and
    conduit routes per 100 m; intensity = water above ground (m) or rainfall (mm).
- `f(I)`: nothing below the threshold I0 (wind 90 km/h: poles are sized for it), a power law above
  (wind load grows with the square of the speed, failures with a steeper power of it: k = 2.5).

Defaults (DEFAULT_PARAMETERS) are calibrated on the storms Ciarán (2023) and Dirk (2013) over the
generated Breton networks: docs/damage-model.md gives the published figures, the model output and
`python -m benchmarks damage` that reproduces it. A network's `DamageModel` row (admin) overrides
any of them. Hazards without a family here (snow-ice, thunderstorm, heat, cold) keep the
vulnerability matrix (VulnerabilityRule, docs/alerts.md).

Coastal exposure is not modelled: neither GraceTHD nor the generated networks say which assets
face the sea (a `coastal` multiplier can be added when a layer of exposed shores is loaded).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from network.models import LayingMode, SiteType, SupportOwner, SupportType

from .intensity import Intensity, intensity_of

FAMILIES = {"wind": "wind", "river_flood": "flood", "rain_flood": "flood", "coastal_submersion": "flood"}

DEFAULT_PARAMETERS = {
    "wind": {
        "reference": {"gust_kmh": 180.0}, "threshold": {"gust_kmh": 90.0}, "exponent": 2.5, "max_probability": 0.6,
        # probability that a pole breaks or falls at the reference gusts, by owner
        "pole": {"ORANGE": 0.0105, "ENEDIS": 0.0035, "RIP": 0.0045, "OTHER": 0.0105},
        "pole_state": {"ME": 2.0, "HS": 4.0},  # multipliers: poor state, to replace
        # share of damaged poles whose fall cuts the fibre cable they carry (a leaning or cracked pole,
        # or a broken one whose cable stays whole, is damage to repair but no loss of service)
        "pole_cuts_cable": 0.25,
        "span_per_100m": {"aerial_telecom": 0.0008, "aerial_power": 0.0006, "facade": 0.0002},
        "facade_anchor": 0.0003,
        "site": {"SRO": 0.002, "NRO": 0.0005},
    },
    "flood": {
        "reference": {"water_m": 1.0, "rain_mm": 150.0}, "threshold": {"water_m": 0.0, "rain_mm": 40.0},
        "exponent": 1.0, "max_probability": 0.9,
        "chamber": 0.35,
        "site": {"SRO": 0.5, "NRO": 0.25},
        "span_per_100m": {"direct_burial": 0.01, "underground_conduit": 0.001},
    },
}

SPAN_MODES = {
    "aerial_telecom": (LayingMode.AERIAL_TELECOM,), "aerial_power": (LayingMode.AERIAL_POWER,),
    "facade": (LayingMode.FACADE,), "direct_burial": (LayingMode.DIRECT_BURIAL,),
    "underground_conduit": (LayingMode.CONDUIT, LayingMode.TROUGH, LayingMode.GALLERY, LayingMode.SEWER),
}
SITE_KINDS = {"SRO": (SiteType.SRO,), "NRO": (SiteType.NRO, SiteType.SROL)}
POLE_STATES = ("", "OK", "ME", "HS", "NC")
PROBABILITY_KEYS = {"pole", "span_per_100m", "site", "chamber", "facade_anchor", "max_probability", "pole_cuts_cable"}


@dataclass
class ProbabilityRows:
    """What the exposure SQL joins as VALUES tables: (laying mode, p, per 100 m?) for segments,
    (support type, owner or None = any, state or None = any, p of losing service, p of damage for a
    pole else None) for supports, (site type or None =
    any, p) for sites. Empty lists: that table is not threatened."""

    segments: list = field(default_factory=list)
    supports: list = field(default_factory=list)
    sites: list = field(default_factory=list)
    model: str = "matrix"
    intensity: Intensity | None = None


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in (over or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def validate_parameters(parameters) -> list[str]:
    """Reasons why an override cannot be used (unknown keys, probabilities outside [0, 1])."""
    if not isinstance(parameters, dict):
        return ["must be an object"]
    errors = []

    def walk(over, base, path):
        for key, value in over.items():
            where = f"{path}.{key}" if path else key
            if not isinstance(base, dict) or key not in base:
                errors.append(f"{where}: unknown parameter")
            elif isinstance(base[key], dict):
                if not isinstance(value, dict):
                    errors.append(f"{where}: must be an object")
                else:
                    walk(value, base[key], where)
            elif not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                errors.append(f"{where}: must be a non-negative number")
            elif where.split(".")[1] in PROBABILITY_KEYS and value > 1:
                errors.append(f"{where}: a probability is at most 1")
    walk(parameters, DEFAULT_PARAMETERS, "")
    return errors


def parameters_for(network) -> dict:
    """The defaults, overridden by the all-networks row, then by the network's own row."""
    from ..models import DamageModel

    params = DEFAULT_PARAMETERS
    rows = {m.network_id: m.parameters for m in DamageModel.objects.filter(network__isnull=True)}
    if network is not None:
        rows.update({m.network_id: m.parameters for m in DamageModel.objects.filter(network=network)})
    for key in (None, getattr(network, "pk", None)):
        if key in rows and (key is None or network is not None):
            params = _merge(params, rows[key])
    return params


def intensity_factor(family: dict, intensity: Intensity) -> float:
    """f(I): 0 below the threshold, 1 at the reference, a power law in between and beyond."""
    ref = float(family["reference"][intensity.quantity])
    low = float(family["threshold"][intensity.quantity])
    if ref <= low:
        return 1.0 if intensity.value > low else 0.0
    x = max(0.0, (intensity.value - low) / (ref - low))
    return x ** float(family["exponent"])


def pole_probability(family: dict, factor: float, owner: str, state: str) -> float:
    base = float(family["pole"].get(owner, family["pole"].get("OTHER", 0.0)))
    return min(float(family["max_probability"]), base * float(family["pole_state"].get(state, 1.0)) * factor)


def segment_probability(p100: float, length_m: float) -> float:
    """A span of `length_m` whose every 100 m fails with p100 (independent stretches)."""
    return 1.0 - (1.0 - p100) ** (max(float(length_m), 0.0) / 100.0)


def rows_for(alert, network) -> ProbabilityRows:
    """The per-asset probability rows of `alert` on `network`: from the damage model for the hazards
    it covers, else from the vulnerability matrix (hazard × class × level)."""
    family_name = FAMILIES.get(alert.hazard)
    if family_name is None:
        return matrix_rows(alert.hazard, alert.level)
    intensity = intensity_of(alert)
    family = parameters_for(network)[family_name]
    factor = intensity_factor(family, intensity)
    rows = ProbabilityRows(model="damage", intensity=intensity)
    if factor <= 0:
        return rows
    cap = float(family["max_probability"])
    for cls, p100 in family.get("span_per_100m", {}).items():
        for mode in SPAN_MODES.get(cls, ()):
            p = min(cap, float(p100) * factor)
            if p > 0:
                rows.segments.append((str(mode), p, True))
    if "pole" in family:
        cuts = float(family.get("pole_cuts_cable", 1.0))
        for owner in SupportOwner.values:
            for state in POLE_STATES:
                p = pole_probability(family, factor, owner, state)
                if p > 0:
                    rows.supports.append((str(SupportType.POLE), owner, state, p * cuts, p))
    if family.get("facade_anchor"):
        p = min(cap, float(family["facade_anchor"]) * factor)
        rows.supports.append((str(SupportType.FACADE_ANCHOR), None, None, p, None))
    if family.get("chamber"):
        p = min(cap, float(family["chamber"]) * factor)
        rows.supports.append((str(SupportType.CHAMBER), None, None, p, None))
    for kind, p in (family.get("site") or {}).items():
        for site_type in SITE_KINDS.get(kind, ()):
            if p:
                rows.sites.append((str(site_type), min(cap, float(p) * factor)))
    return rows


def matrix_rows(hazard: str, level: int) -> ProbabilityRows:
    """The vulnerability matrix row of (hazard, level) as flat per-asset probabilities."""
    from ..models import AssetClass
    from .exposure import SEGMENT_CLASSES, matrix_for

    probabilities = matrix_for(hazard, level)
    rows = ProbabilityRows(model="matrix")
    rows.segments = [(str(m), float(probabilities[c]), False) for m, c in SEGMENT_CLASSES.items() if c in probabilities]
    for owner in SupportOwner.values:
        cls = AssetClass.AERIAL_POWER if owner == SupportOwner.ENEDIS else AssetClass.AERIAL_TELECOM
        if cls in probabilities:
            p = float(probabilities[cls])
            rows.supports.append((str(SupportType.POLE), owner, None, p, p))
    for stype, cls in ((SupportType.FACADE_ANCHOR, AssetClass.FACADE), (SupportType.CHAMBER, AssetClass.CHAMBER)):
        if cls in probabilities:
            rows.supports.append((str(stype), None, None, float(probabilities[cls]), None))
    if AssetClass.SITE in probabilities:
        rows.sites.append((None, float(probabilities[AssetClass.SITE])))
    return rows

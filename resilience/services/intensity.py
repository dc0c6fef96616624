"""Hazard intensity of an alert (*intensité de l'aléa*): the physical figure the damage model needs,
which a vigilance colour alone does not carry.

| hazard | quantity (key) | unit | read from |
|---|---|---|---|
| wind, thunderstorm | `gust_kmh` (maximum gusts, *rafales*) | km/h | CAP `<parameter>` (gust_kmh, rafales, wind_gust…), else the text ("rafales de 150 à 180 km/h": the highest figure) |
| rain_flood | `rain_mm` (accumulated rainfall, *cumul*) | mm | CAP parameter (rain_mm, cumul, precipitation…), else the text ("80 mm") |
| river_flood, coastal_submersion | `water_m` (water depth above ground / level above normal, *hauteur d'eau*) | m | CAP parameter (water_m, hauteur, water_level…); `flow_m3s` (*débit*) is kept when given but not used |

A GeoJSON alert (drawn or pushed) may set the same keys as properties (`gust_kmh`, `rain_mm`,
`water_m`). Nothing given: the documented default of the hazard and level (DEFAULTS, docs/damage-model.md).
The intensity is read from the alert's stored details at use time, so an alert ingested before this
module existed gets one too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

QUANTITY = {"wind": "gust_kmh", "thunderstorm": "gust_kmh", "rain_flood": "rain_mm", "river_flood": "water_m",
            "coastal_submersion": "water_m"}
UNITS = {"gust_kmh": "km/h", "rain_mm": "mm", "water_m": "m"}

# Defaults per hazard and level, when the source gives no figure. Wind: the thresholds of the
# Météo-France vigilance guide for the mainland (yellow: gusts 70–90 km/h inland, orange 100–130,
# red 130–150 and beyond; the mid-high value of each band); rain: 24 h accumulations of the rain-flood
# vigilance (40 / 80 / 150 mm); river flood and submersion: water above ground in the flood zone.
DEFAULTS = {
    "gust_kmh": {1: 50.0, 2: 85.0, 3: 115.0, 4: 150.0},
    "rain_mm": {1: 10.0, 2: 40.0, 3: 80.0, 4: 150.0},
    "water_m": {1: 0.0, 2: 0.2, 3: 0.5, 4: 1.0},
}

PARAMETER_NAMES = {
    "gust_kmh": ("gust_kmh", "gusts_kmh", "wind_gust", "windgust", "rafales", "rafale", "rafales_max", "gust"),
    "rain_mm": ("rain_mm", "rainfall_mm", "precipitation", "cumul", "cumul_pluie", "rain"),
    "water_m": ("water_m", "water_level_m", "water_level", "hauteur", "hauteur_eau", "water_depth_m"),
    "flow_m3s": ("flow_m3s", "debit", "flow"),
}
_NUMBER = r"(\d{1,4}(?:[.,]\d+)?)"
TEXT_PATTERNS = {
    "gust_kmh": re.compile(_NUMBER + r"\s*km\s*/?\s*h", re.I),
    "rain_mm": re.compile(_NUMBER + r"\s*mm\b", re.I),
}
PLAUSIBLE = {"gust_kmh": (20.0, 400.0), "rain_mm": (1.0, 1500.0), "water_m": (0.0, 20.0), "flow_m3s": (0.0, 1e6)}


@dataclass(frozen=True)
class Intensity:
    quantity: str  # "gust_kmh", "rain_mm", "water_m"
    value: float
    source: str  # "parameter", "property", "text", "default"

    @property
    def unit(self) -> str:
        return UNITS.get(self.quantity, "")

    def as_json(self) -> dict:
        return {"quantity": self.quantity, "value": self.value, "unit": self.unit, "source": self.source}


def _number(value) -> float | None:
    try:
        return float(str(value).strip().split()[0].replace(",", "."))
    except (ValueError, IndexError):
        return None


def _plausible(quantity: str, value: float | None) -> bool:
    low, high = PLAUSIBLE[quantity]
    return value is not None and low <= value <= high


def from_mapping(quantity: str, mapping: dict) -> float | None:
    """The figure of `quantity` under one of its known names in a CAP parameter or property map."""
    folded = {str(k).strip().lower().replace(" ", "_").replace("-", "_"): v for k, v in (mapping or {}).items()}
    for name in PARAMETER_NAMES[quantity]:
        if name in folded:
            value = _number(folded[name])
            if _plausible(quantity, value):
                return value
    return None


def from_text(quantity: str, *texts: str) -> float | None:
    """The highest plausible figure with its unit in the text ("rafales de 150 à 180 km/h" → 180)."""
    pattern = TEXT_PATTERNS.get(quantity)
    if pattern is None:
        return None
    found = [_number(m.group(1)) for text in texts if text for m in pattern.finditer(text)]
    found = [v for v in found if _plausible(quantity, v)]
    return max(found) if found else None


def intensity_of(alert) -> Intensity | None:
    """The alert's intensity (None for hazards the damage model does not scale: heat, cold, snow…)."""
    quantity = QUANTITY.get(alert.hazard)
    if quantity is None:
        return None
    details = alert.details or {}
    value = from_mapping(quantity, details.get("parameters") or {})
    if value is not None:
        return Intensity(quantity, value, "parameter")
    value = from_mapping(quantity, details.get("properties") or {})
    if value is not None:
        return Intensity(quantity, value, "property")
    value = from_text(quantity, alert.headline or "", alert.description or "")
    if value is not None:
        return Intensity(quantity, value, "text")
    return Intensity(quantity, DEFAULTS[quantity].get(int(alert.level), DEFAULTS[quantity][4]), "default")

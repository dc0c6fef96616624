"""Priority score of a complex connection (*score de priorité*): higher first.

    score = 1000 × critical site (hospital, EHPAD, town hall, SDIS, gendarmerie, school, water plant)
          +  300 × storm restoration (rule storm_civil_works: people who had service and lost it)
          +  100 × (1 − min(drop, 1000 m) / 1000 m)       shorter drops first (faster to build)
          +  100 × (1 − min(cost, 20 000 €) / 20 000 €)    cheaper first (more premises per euro)

Critical sites always come first, then storm victims; among equals, the quick wins: short and
cheap connections bring the most premises online for a given budget.
"""
from decimal import Decimal

from . import rules as R

CRITICAL_WEIGHT = 1000
STORM_WEIGHT = 300
DISTANCE_CAP_M = 1000.0
COST_CAP_EUR = 20000.0


def priority_score(rule_codes, inputs: dict, estimated_cost: Decimal) -> float:
    score = 0.0
    if inputs.get("critical_category"):
        score += CRITICAL_WEIGHT
    if R.STORM_CIVIL_WORKS.code in rule_codes:
        score += STORM_WEIGHT
    drop = min(float(inputs.get("drop_m") or DISTANCE_CAP_M), DISTANCE_CAP_M)
    score += 100 * (1 - drop / DISTANCE_CAP_M)
    cost = min(float(estimated_cost or 0), COST_CAP_EUR)
    score += 100 * (1 - cost / COST_CAP_EUR)
    return round(score, 2)

"""Active sites whose grid supply lies in an alert area: a **risk**, not a prediction.

A storm over the delivery point of an NRO may cut its power; nothing says it will. The exposure
answer of an alert lists these sites (`power_sites_in_area`) with their autonomy, so the crisis
cell sees which sites would start on batteries if the grid went down there.
"""
from django.db.models import F
from django.db.models.functions import Coalesce

from ..models import PowerSupply


def power_sites_in_area(alert, network) -> dict:
    if alert.area is None:
        return {"power_sites_in_area": []}
    rows = (PowerSupply.objects.filter(network=network)
            .annotate(point=Coalesce(F("grid_point"), F("site__geom")))
            .filter(point__intersects=alert.area).select_related("site").order_by("site__code"))
    return {"power_sites_in_area": [
        {"code": s.site.code, "site_type": s.site.site_type, "battery_hours": s.battery_hours,
         "generator": s.generator, "fuel_hours": s.fuel_hours, "risk": "grid_supply_in_alert_area"}
        for s in rows]}

"""Vector tile routes of the resilience app: the exposure of a network to an alert,
/tiles/exposure/<z>/<x>/<y>.pbf?network=SLUG&alert=ID and /tiles/exposure.json. Mounted under
/tiles/ by config/urls.py next to network.tiles_urls (network knows nothing of alerts)."""
from django.urls import re_path

from .api.tiles import ExposureTileJSONView, ExposureTileView

urlpatterns = [
    re_path(r"^exposure/(?P<z>\d{1,2})/(?P<x>\d{1,8})/(?P<y>\d{1,8})\.pbf$", ExposureTileView.as_view(), name="exposure-tile"),
    re_path(r"^exposure\.json$", ExposureTileJSONView.as_view(), name="exposure-tilejson"),
]

"""Vector tile routes of the network layers: /tiles/<layer>/<z>/<x>/<y>.pbf and /tiles/<layer>.json
(the exposure tiles are resilience's: resilience/tiles_urls.py)."""
from django.urls import re_path

from .api.tiles import LAYER_PATTERN, TileJSONView, TileView

urlpatterns = [
    re_path(rf"^(?P<layer>{LAYER_PATTERN})/(?P<z>\d{{1,2}})/(?P<x>\d{{1,8}})/(?P<y>\d{{1,8}})\.pbf$",
            TileView.as_view(), name="tile"),
    re_path(rf"^(?P<layer>{LAYER_PATTERN})\.json$", TileJSONView.as_view(), name="tilejson"),
]

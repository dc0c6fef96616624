"""Vector tile routes: /tiles/<layer>/<z>/<x>/<y>.pbf and /tiles/<layer>.json."""
from django.urls import re_path

from resilience.api.tiles import ExposureTileJSONView, ExposureTileView

from .api.tiles import LAYER_PATTERN, TileJSONView, TileView

urlpatterns = [
    # the exposure of a network to an alert (resilience/): ?network=SLUG&alert=ID
    re_path(r"^exposure/(?P<z>\d{1,2})/(?P<x>\d{1,8})/(?P<y>\d{1,8})\.pbf$", ExposureTileView.as_view(), name="exposure-tile"),
    re_path(r"^exposure\.json$", ExposureTileJSONView.as_view(), name="exposure-tilejson"),
    re_path(rf"^(?P<layer>{LAYER_PATTERN})/(?P<z>\d{{1,2}})/(?P<x>\d{{1,8}})/(?P<y>\d{{1,8}})\.pbf$",
            TileView.as_view(), name="tile"),
    re_path(rf"^(?P<layer>{LAYER_PATTERN})\.json$", TileJSONView.as_view(), name="tilejson"),
]

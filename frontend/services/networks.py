"""What the UI needs to know about the networks a person may see (one query each, no N+1)."""
from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import Polygon

from network.models import Network, Node


def visible_networks(principal):
    return Network.objects.restrict(principal).select_related("owner", "operator").order_by("slug")


def network_bounds_4326(network) -> list[float] | None:
    """[minlon, minlat, maxlon, maxlat] of the network's nodes, or None for an empty network."""
    extent = Node.objects.filter(network=network).aggregate(e=Extent("geom"))["e"]
    if not extent:
        return None
    box = Polygon.from_bbox(extent)
    box.srid = 2154
    box.transform(4326)
    return list(box.extent)

"""The fibre network, after the GraceTHD v2 exchange model (table names in each docstring)."""
from .boundaries import Commune, Departement
from .network import Network
from .topology import (
    Cable, CableRole, CableRoute, Enclosure, EnclosureType, LayingMode, Node, RouteSegment, Site, SiteType,
    SupportOwner, SupportPoint, SupportType,
)
from .premises import ConnectionStatus, CriticalCategory, Premises
from .imports import ImportRun

__all__ = [
    "Cable", "CableRole", "CableRoute", "Commune", "ConnectionStatus", "CriticalCategory", "Departement",
    "Enclosure", "EnclosureType", "ImportRun", "LayingMode", "Network", "Node", "Premises", "RouteSegment",
    "Site", "SiteType", "SupportOwner", "SupportPoint", "SupportType",
]

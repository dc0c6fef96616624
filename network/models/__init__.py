"""The fibre network, after the GraceTHD v2 exchange model (table names in each docstring)."""
from .boundaries import BoundaryRelease, Commune, Departement, FormerCommune
from .territory import Territory
from .network import Network
from .topology import (
    Cable, CableRole, CableRoute, Enclosure, EnclosureType, LayingMode, Node, RouteSegment, Site, SiteType,
    SupportOwner, SupportPoint, SupportType,
)
from .premises import ConnectionStatus, CriticalCategory, Premises
from .imports import ImportRun
from .asset_communes import AssetCommune, AssetKind
from .exchange import DeliveredRow, DeliveredTable, ImportFault, QualityRuleSeverity, Severity

__all__ = [
    "AssetCommune", "AssetKind",
    "BoundaryRelease", "Cable", "CableRole", "CableRoute", "Commune", "ConnectionStatus", "CriticalCategory", "Departement",
    "DeliveredRow", "DeliveredTable", "FormerCommune", "ImportFault", "QualityRuleSeverity", "Severity", "Territory",
    "Enclosure", "EnclosureType", "ImportRun", "LayingMode", "Network", "Node", "Premises", "RouteSegment",
    "Site", "SiteType", "SupportOwner", "SupportPoint", "SupportType",
]

"""The fibre network, after the GraceTHD v2 exchange model (table names in each docstring)."""
from .boundaries import Commune, Departement
from .network import Network
from .topology import (
    Cable, CableRole, CableRoute, Enclosure, EnclosureType, LayingMode, Node, RouteSegment, Site, SiteType,
    SupportOwner, SupportPoint, SupportType,
)
from .premises import ConnectionStatus, CriticalCategory, Premises
from .imports import ImportRun
from .exchange import DeliveredRow, DeliveredTable, ImportFault, QualityRuleSeverity, Severity
from .complex_connection import (
    ComplexConnection, ComplexConnectionAttachment, ComplexConnectionCostModel, ComplexConnectionNote,
    ComplexConnectionStatus,
)

__all__ = [
    "Cable", "CableRole", "ComplexConnection", "ComplexConnectionAttachment", "ComplexConnectionCostModel",
    "ComplexConnectionNote", "ComplexConnectionStatus", "CableRoute", "Commune", "DeliveredRow", "DeliveredTable", "ImportFault", "QualityRuleSeverity", "Severity", "ConnectionStatus", "CriticalCategory", "Departement",
    "Enclosure", "EnclosureType", "ImportRun", "LayingMode", "Network", "Node", "Premises", "RouteSegment",
    "Site", "SiteType", "SupportOwner", "SupportPoint", "SupportType",
]

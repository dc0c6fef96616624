"""Storm and flood alerts, their raw messages, flood zones and network exposure."""
from .raw_message import RawMessage, RawOutcome, RawSource
from .alert import Alert, AlertSource, AlertStatus, Hazard, Level, Lifecycle
from .floodzone import FloodZone
from .flood_reach import FloodReach
from .exposure import AssetClass, ExposedAsset, ExposedAssetKind, ExposureRun, ExposureStatus, VulnerabilityRule
from .feed import FeedState
from .damage import DamageModel
from .service_graph import StoredServiceGraph

__all__ = [
    "Alert", "AlertSource", "AlertStatus", "AssetClass", "DamageModel", "ExposedAsset", "ExposedAssetKind", "ExposureRun",
    "ExposureStatus", "FeedState",
    "FloodReach", "FloodZone",
    "Hazard", "Level", "Lifecycle", "RawMessage", "RawOutcome", "RawSource", "StoredServiceGraph", "VulnerabilityRule",
]

"""Power of active sites: supplies, grid outages (raw first), operator overrides, mobile generators,
and the notices already sent (one per site, episode and kind)."""
from .generator import MobileGenerator
from .notice import NoticeKind, PowerNotice
from .outage import OutageRaw, OutageRawOutcome, PowerOutage
from .override import OverrideState, SiteStateOverride
from .supply import GeneratorKind, PowerSupply

__all__ = [
    "GeneratorKind", "MobileGenerator", "NoticeKind", "OutageRaw", "OutageRawOutcome", "OverrideState",
    "PowerNotice", "PowerOutage", "PowerSupply", "SiteStateOverride",
]

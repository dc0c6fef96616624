from .audit import AuditEvent
from .heartbeat import Heartbeat

__all__ = ["AuditEvent", "Heartbeat"]

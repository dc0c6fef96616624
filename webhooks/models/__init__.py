from .outbox import OutboxEvent

__all__ = ["OutboxEvent"]

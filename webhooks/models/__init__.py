from .delivery import AttemptOutcome, Delivery, DeliveryAttempt, DeliveryStatus
from .outbox import OutboxEvent
from .subscription import Subscription, SubscriptionSource, SubscriptionStatus

__all__ = [
    "AttemptOutcome", "Delivery", "DeliveryAttempt", "DeliveryStatus", "OutboxEvent", "Subscription", "SubscriptionSource",
    "SubscriptionStatus",
]

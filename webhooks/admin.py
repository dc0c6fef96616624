from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import Delivery, DeliveryAttempt, OutboxEvent, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(AuditedModelAdmin):
    list_display = ["id", "organisation", "source", "callback", "status", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["callback", "organisation__slug", "description"]
    exclude = ["secret", "previous_secret"]  # shown once through the API, never here
    readonly_fields = ["previous_secret_expires_at", "status_changed_at", "created_by", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False  # created through the API (callback checks, secret shown once)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in DeliveryAttempt._meta.fields]


@admin.register(Delivery)
class DeliveryAdmin(AuditedModelAdmin):
    list_display = ["id", "subscription", "subject", "sequence", "status", "attempts", "next_attempt_at", "last_status_code"]
    list_filter = ["status"]
    search_fields = ["subject"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [DeliveryAttemptInline]


@admin.register(OutboxEvent)
class OutboxEventAdmin(AuditedModelAdmin):
    list_display = ["id", "event_type", "subject", "sequence", "created_at", "dispatched_at"]
    list_filter = ["event_type"]
    search_fields = ["subject"]
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]

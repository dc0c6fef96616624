"""Admin of the crisis cell and trouble tickets. The crisis log is read-only here as everywhere."""
from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import (
    Contact, Crisis, CrisisLogEntry, DamagedAsset, OnCallPeriod, StatusChange, TicketAttachment, TicketNote,
    TroubleTicket,
)


@admin.register(Crisis)
class CrisisAdmin(AuditedModelAdmin):
    list_display = ["name", "level", "opened_at", "closed_at", "significant", "awareness_time"]
    list_filter = ["level", "significant"]
    search_fields = ["name"]
    filter_horizontal = ["networks", "organisations"]


@admin.register(CrisisLogEntry)
class CrisisLogEntryAdmin(AuditedModelAdmin):
    list_display = ["created_at", "crisis", "kind", "organisation", "author", "text"]
    list_filter = ["kind", "crisis"]
    search_fields = ["text"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OnCallPeriodInline(admin.TabularInline):
    model = OnCallPeriod
    extra = 0


@admin.register(Contact)
class ContactAdmin(AuditedModelAdmin):
    list_display = ["name", "role", "organisation", "commune", "phone", "email"]
    list_filter = ["organisation"]
    search_fields = ["name", "role", "email"]
    raw_id_fields = ["commune"]
    inlines = [OnCallPeriodInline]


class DamagedAssetInline(admin.TabularInline):
    model = DamagedAsset
    extra = 0
    fields = ["referred_type", "code", "role"]
    readonly_fields = fields
    can_delete = False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    readonly_fields = ["status", "change_date", "change_reason", "author"]
    can_delete = False


class TicketNoteInline(admin.TabularInline):
    model = TicketNote
    extra = 0
    readonly_fields = ["author", "date", "text"]
    can_delete = False


class TicketAttachmentInline(admin.TabularInline):
    model = TicketAttachment
    extra = 0
    readonly_fields = ["name", "mime_type", "size", "file", "created_at"]
    can_delete = False


@admin.register(TroubleTicket)
class TroubleTicketAdmin(AuditedModelAdmin):
    """Tickets change through the TMF621 API (lifecycle, audit, events): read-only here."""

    list_display = ["id", "network", "ticket_type", "severity", "status", "creation_date"]
    list_filter = ["status", "severity", "ticket_type", "network"]
    search_fields = ["description", "name", "external_id"]
    inlines = [DamagedAssetInline, StatusChangeInline, TicketNoteInline, TicketAttachmentInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

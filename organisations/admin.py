from django.contrib import admin

from core.admin import AuditedModelAdmin, audit_snapshot
from core.audit import record

from .models import ApiToken, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ["name", "slug", "kind", "siren", "insee_code"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "siren", "insee_code"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["syndicates"]
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedModelAdmin):
    list_display = ["key_prefix", "user", "organisation", "role", "purpose", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["role", "purpose"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are issued by `manage.py create_api_token`, which shows the key once

    @admin.action(description="Révoquer les jetons sélectionnés")
    def revoke(self, request, queryset):
        for token in queryset:
            before = audit_snapshot(token)
            token.revoke()
            record(token, "update", actor=request.user, organisation=token.organisation, before=before,
                   after=audit_snapshot(token))

from django.contrib import admin

from .models import ApiToken, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "siren", "insee_code"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "siren", "insee_code"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["syndicates"]
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["key_prefix", "user", "organisation", "role", "purpose", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["role", "purpose"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are issued by `manage.py create_api_token`, which shows the key once

    @admin.action(description="Révoquer les jetons sélectionnés")
    def revoke(self, request, queryset):
        for token in queryset:
            token.revoke()

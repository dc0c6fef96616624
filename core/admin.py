"""One admin base for the whole project: every add, change and delete made in the Django admin
goes into the audit trail (`core.audit.record`), like the changes made through the API.

    from core.admin import AuditedModelAdmin

    @admin.register(Contact)
    class ContactAdmin(AuditedModelAdmin):
        ...

What is recorded: `create` with the new row, `update` with the row before and after (many-to-many
ids included), `delete` with the row before, for the object and for the rows of its inlines; the
actor is the admin user. Fields that are secret or bulky (`AUDIT_EXCLUDE`, the admin's `exclude`,
`audit_exclude`) are left out of the snapshots. An admin whose save goes through a service that
audits itself (complex connections, cost models) sets `audit_saves = False` for that part.
"""
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.contrib.gis.admin import GISModelAdmin

from .audit import record, snapshot

# Never copied into the audit trail: credentials and raw payloads (kept in their own tables).
AUDIT_EXCLUDE = {"password", "secret", "previous_secret", "key_hash", "payload"}


def audit_snapshot(instance, exclude=()) -> dict:
    """The concrete fields of `instance` minus the excluded ones, plus its many-to-many ids."""
    skip = AUDIT_EXCLUDE | set(exclude or ())
    fields = [f.name for f in instance._meta.concrete_fields if f.name not in skip]
    data = snapshot(instance, fields=fields) if fields else {}
    if instance.pk is not None:
        for m2m in instance._meta.many_to_many:
            if m2m.name not in skip:
                data[m2m.name] = sorted(getattr(instance, m2m.name).values_list("pk", flat=True))
    return data


def audit_organisation(instance):
    """The organisation an admin change concerns, for scoping the audit row (None when none)."""
    if instance._meta.label == "organisations.Organisation":
        return instance
    if any(f.name == "organisation" for f in instance._meta.concrete_fields):
        return getattr(instance, "organisation", None)
    return None


class AuditedAdminMixin:
    """Audit hooks for ModelAdmin and inlines (see the module docstring)."""

    audit_exclude: tuple = ()
    audit_saves = True  # False when save_model delegates to a service that records its own audit rows

    def _audit_exclude(self):
        return set(self.audit_exclude) | set(getattr(self, "exclude", None) or ())

    def _db_snapshot(self, obj):
        if obj.pk is None:
            return None
        current = type(obj)._base_manager.filter(pk=obj.pk).first()
        return audit_snapshot(current, self._audit_exclude()) if current is not None else None


class AuditedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """ModelAdmin whose adds, changes and deletes (inlines included) are audited."""

    def save_model(self, request, obj, form, change):
        obj._audit_before = self._db_snapshot(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """Runs after save_model and the many-to-many save: the `after` snapshot is complete."""
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if not self.audit_saves or obj.pk is None:
            return
        before = getattr(obj, "_audit_before", None)
        after = audit_snapshot(obj, self._audit_exclude())
        if change and before == after:
            return  # nothing changed on the object itself (inline rows are recorded on their own)
        record(obj, "update" if change else "create", actor=request.user, organisation=audit_organisation(obj),
               before=before, after=after)

    def save_formset(self, request, form, formset, change):
        inline = next((i for i in self.get_inline_instances(request, form.instance)
                       if i.model is formset.model), None)
        exclude = set(getattr(inline, "exclude", None) or ()) | set(getattr(inline, "audit_exclude", ()) or ())
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record(obj, "delete", actor=request.user, organisation=audit_organisation(obj),
                   before=audit_snapshot(obj, exclude))
            obj.delete()
        for obj in instances:
            existing = obj.pk is not None and type(obj)._base_manager.filter(pk=obj.pk).first()
            before = audit_snapshot(existing, exclude) if existing else None
            obj.save()
            record(obj, "update" if before is not None else "create", actor=request.user,
                   organisation=audit_organisation(obj), before=before, after=audit_snapshot(obj, exclude))
        formset.save_m2m()

    def delete_model(self, request, obj):
        record(obj, "delete", actor=request.user, organisation=audit_organisation(obj),
               before=audit_snapshot(obj, self._audit_exclude()))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record(obj, "delete", actor=request.user, organisation=audit_organisation(obj),
                   before=audit_snapshot(obj, self._audit_exclude()))
        super().delete_queryset(request, queryset)


class AuditedGISModelAdmin(AuditedModelAdmin, GISModelAdmin):
    """The same for geographic models (map widgets of django.contrib.gis)."""


# Django's own users and groups: audited too (passwords never copied, see AUDIT_EXCLUDE).
User = get_user_model()
for model, base in ((User, UserAdmin), (Group, GroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, type(f"Audited{base.__name__}", (AuditedModelAdmin, base), {}))

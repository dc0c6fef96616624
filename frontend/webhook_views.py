"""Webhook subscriptions from the crisis-cell pages: create, pause/resume, rotate the secret, delete,
and the delivery log with each delivery's attempts and a redeliver button. The same rule as the
API (webhooks/api/views.py): a write role (crisis manager, operator agent, admin) in the
subscription's organisation; the same services (webhooks/services/subscriptions.py, delivery.py),
so validation (SSRF guard, catalogue), audit and secrets shown once are the API's."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.audit import record
from core.models import AuditEvent
from organisations.models import Organisation
from organisations.permissions import may_write
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Subscription, SubscriptionSource, SubscriptionStatus
from webhooks.services import delivery as delivery_service
from webhooks.services import subscriptions as service
from webhooks.registry import catalogue

from .manage_forms import SubscriptionForm
from .services.access import crisis_cell_page


def _writable_org_ids(principal) -> set:
    return {org for org in principal.roles if may_write(principal, org)}


def manageable(principal):
    """The subscriptions this person manages: those of their write-role organisations."""
    if not (principal.is_superuser or _writable_org_ids(principal)):
        raise PermissionDenied(_("Seuls les rôles gestionnaire de crise, agent opérateur et administrateur gèrent les abonnements."))
    queryset = Subscription.objects.restrict(principal).select_related("organisation")
    if not principal.is_superuser:
        queryset = queryset.filter(organisation_id__in=_writable_org_ids(principal))
    return queryset


def _form(principal, data=None):
    orgs = Organisation.objects.order_by("name")
    if not principal.is_superuser:
        orgs = orgs.filter(pk__in=_writable_org_ids(principal))
    types = [(e["name"], f'{e["name"]} — {e["description"]}') for e in catalogue()]
    return SubscriptionForm(data, organisations=list(orgs), event_types=types)


@crisis_cell_page
def subscription_list(request):
    principal = request.vigie
    subs = manageable(principal)
    form = _form(principal, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = Organisation.objects.get(slug=data["organisation"])
        if not (principal.is_superuser or organisation.pk in _writable_org_ids(principal)):
            raise PermissionDenied(_("organisation inconnue ou hors de vos droits"))
        try:
            sub = service.create_subscription(organisation, data["callback"], query=data["query"],
                                              event_types=data["event_types"], description=data["description"],
                                              source=SubscriptionSource.NATIVE, actor=request.user)
        except ValidationError as exc:
            for name, reasons in exc.message_dict.items():
                for reason in reasons:
                    form.add_error(name if name in form.fields else None, reason)
        else:
            # the secret is shown once, on this answer (never put in the session nor listed again)
            return render(request, "frontend/webhooks/secret.html", {"sub": sub, "secret": sub.secret, "created": True},
                          status=201)
    counts = {f"n_{s}": Count("deliveries", filter=Q(deliveries__status=s))
              for s in (DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD, DeliveryStatus.PENDING)}
    return render(request, "frontend/webhooks/list.html", {
        "subscriptions": subs.annotate(**counts).order_by("created_at", "id"), "form": form,
    }, status=400 if form.errors else 200)


@crisis_cell_page
def subscription_detail(request, pk):
    principal = request.vigie
    sub = get_object_or_404(manageable(principal), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("pause", "resume"):
            status = SubscriptionStatus.DISABLED if action == "pause" else SubscriptionStatus.ACTIVE
            service.update_subscription(sub, {"status": status}, actor=request.user)
            messages.success(request, _("Abonnement mis en pause.") if action == "pause" else _("Abonnement réactivé."))
        elif action == "rotate":
            sub = service.rotate_secret(sub, actor=request.user)
            return render(request, "frontend/webhooks/secret.html", {"sub": sub, "secret": sub.secret, "created": False})
        elif action == "delete":
            service.delete_subscription(sub, actor=request.user)
            messages.success(request, _("Abonnement supprimé."))
            return redirect("webhook-list")
        elif action == "redeliver":
            delivery = get_object_or_404(Delivery, subscription=sub, pk=request.POST.get("delivery"))
            try:
                delivery_service.redeliver(delivery)
            except ValueError as exc:
                messages.error(request, str(exc))
            else:
                record(sub, AuditEvent.Action.UPDATE, actor=request.user, organisation=sub.organisation,
                       before=None, after={"redeliver": str(delivery.pk), "event": str(delivery.event_id)})
                messages.success(request, _("Envoi relancé."))
        else:
            raise Http404("unknown action")
        return redirect("webhook-detail", pk=sub.pk)
    deliveries = (Delivery.objects.filter(subscription=sub).select_related("event").order_by("-created_at", "-id")
                  .prefetch_related(Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("-number")))[:100])
    return render(request, "frontend/webhooks/detail.html", {"sub": sub, "deliveries": deliveries})

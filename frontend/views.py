from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from organisations.models import Organisation
from organisations.scoping import principal_for


@login_required
def dashboard(request):
    """Tableau de bord de la cellule de crise."""
    principal = principal_for(request)
    organisations = Organisation.objects.filter(pk__in=principal.organisation_ids)
    return render(request, "frontend/dashboard.html", {"organisations": organisations, "principal": principal})

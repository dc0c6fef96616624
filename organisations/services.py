"""Creating organisations and issuing tokens: shared by the management commands and the demo."""
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import ApiToken, Membership, Organisation, OrganisationKind, Role


def create_organisation(slug: str, kind: str, name: str, insee: str = "", siren: str = "") -> Organisation:
    """Validate then create; raises ValidationError with field-named messages."""
    if kind not in OrganisationKind.values:
        raise ValidationError({"kind": [f"unknown kind {kind!r}; expected one of {', '.join(OrganisationKind.values)}"]})
    if insee and kind != OrganisationKind.COMMUNE:
        raise ValidationError({"insee": ["an INSEE code is only given to a commune (--kind commune)"]})
    org = Organisation(slug=slug, kind=kind, name=name, insee_code=insee or "", siren=siren or "")
    org.full_clean()
    org.save()
    return org


def link_operator(operator: Organisation, syndicate: Organisation) -> None:
    errors = {}
    if operator.kind != OrganisationKind.OPERATOR:
        errors["operator"] = [f"{operator.slug} is a {operator.kind}, not an operator"]
    if syndicate.kind != OrganisationKind.SYNDICATE:
        errors["syndicate"] = [f"{syndicate.slug} is a {syndicate.kind}, not a syndicate"]
    if errors:
        raise ValidationError(errors)
    operator.syndicates.add(syndicate)


@transaction.atomic
def issue_token(username: str, organisation: Organisation, role: str, purpose: str = "api", email: str = ""):
    """Create the user if missing, give them `role` in `organisation`, and issue a token.
    Returns (token, clear key)."""
    if role not in Role.values:
        raise ValidationError({"role": [f"unknown role {role!r}; expected one of {', '.join(Role.values)}"]})
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
    return ApiToken.issue(user, organisation, role, purpose)

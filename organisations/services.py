"""Creating organisations and issuing tokens: shared by the management commands and the demo.

Every change is audited (`core.audit.record`) in its transaction; `actor` is the user who asked
(None from the command line, where the request id is empty too). Token rows are recorded without
their key hash.
"""
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import record, snapshot

from .models import ApiToken, Membership, Organisation, OrganisationKind, Role

TOKEN_AUDIT_FIELDS = ("user", "organisation", "role", "purpose", "key_prefix", "created_at", "revoked_at")


@transaction.atomic
def create_organisation(slug: str, kind: str, name: str, insee: str = "", siren: str = "", *, actor=None) -> Organisation:
    """Validate then create; raises ValidationError with field-named messages."""
    if kind not in OrganisationKind.values:
        raise ValidationError({"kind": [f"unknown kind {kind!r}; expected one of {', '.join(OrganisationKind.values)}"]})
    if insee and kind != OrganisationKind.COMMUNE:
        raise ValidationError({"insee": ["an INSEE code is only given to a commune (--kind commune)"]})
    org = Organisation(slug=slug, kind=kind, name=name, insee_code=insee or "", siren=siren or "")
    org.full_clean()
    org.save()
    record(org, "create", actor=actor, organisation=org)
    return org


@transaction.atomic
def link_operator(operator: Organisation, syndicate: Organisation, *, actor=None) -> None:
    errors = {}
    if operator.kind != OrganisationKind.OPERATOR:
        errors["operator"] = [f"{operator.slug} is a {operator.kind}, not an operator"]
    if syndicate.kind != OrganisationKind.SYNDICATE:
        errors["syndicate"] = [f"{syndicate.slug} is a {syndicate.kind}, not a syndicate"]
    if errors:
        raise ValidationError(errors)
    before = sorted(operator.syndicates.values_list("slug", flat=True))
    if syndicate.slug in before:
        return
    operator.syndicates.add(syndicate)
    after = sorted(operator.syndicates.values_list("slug", flat=True))
    for org in (operator, syndicate):  # each side finds the link in its own audit trail
        record(operator, "update", actor=actor, organisation=org, before={"syndicates": before}, after={"syndicates": after})


@transaction.atomic
def issue_token(username: str, organisation: Organisation, role: str, purpose: str = "api", email: str = "", *, actor=None):
    """Create the user if missing, give them `role` in `organisation`, and issue a token.
    Returns (token, clear key)."""
    if role not in Role.values:
        raise ValidationError({"role": [f"unknown role {role!r}; expected one of {', '.join(Role.values)}"]})
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership = Membership.objects.filter(user=user, organisation=organisation).first()
    if membership is None or membership.role != role:
        before = snapshot(membership) if membership is not None else None
        membership, _ = Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
        record(membership, "update" if before else "create", actor=actor, organisation=organisation, before=before)
    token, key = ApiToken.issue(user, organisation, role, purpose)
    record(token, "create", actor=actor, organisation=organisation, after=snapshot(token, fields=TOKEN_AUDIT_FIELDS))
    return token, key

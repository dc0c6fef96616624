"""TMF621 v4 Trouble Ticket API (/tmf-api/troubleTicket/v4/): thin views over incidents.services.

Errors use the TMF error shape {"code", "reason", "message", "status"} and also carry the house
`errors` list ([{"path", "reason"}]) so both kinds of client find the field at fault.
"""
import hashlib
import json
import re
from datetime import datetime, timezone as dt_timezone

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError, transaction
from django.http import FileResponse
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import as_tmf_error, tmf_exception_handler as core_tmf_exception_handler
from network.models import Network
from organisations import permissions
from organisations.scoping import Principal, principal_for

from organisations.models import Organisation

from ..models import IdempotencyRecord, TicketAttachment, TicketSeverity, TicketStatus, TroubleTicket
from ..services import representation
from ..services.attachments import AttachmentRefused, check_photo
from ..services.tickets import Actor, TicketInputError, add_attachment, create_ticket, patch_ticket
from .parsers import MergePatchJSONParser
from .tmf_serializers import (
    AttachmentDocument, TmfErrorDocument, TroubleTicketCreateInput, TroubleTicketDocument, TroubleTicketPatchInput,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class _StatusError(exceptions.APIException):
    """An error with its own status code that names the attribute at fault."""

    def __init__(self, status_code, path, reason):
        self.status_code, self.path, self.reason = status_code, path, reason
        super().__init__(reason)


def tmf_exception_handler(exc, context):
    if isinstance(exc, TicketInputError):
        return as_tmf_error(Response(status=400), exc.errors)
    if isinstance(exc, _StatusError):
        return as_tmf_error(Response(status=exc.status_code), [{"path": exc.path, "reason": exc.reason}])
    return core_tmf_exception_handler(exc, context)


def ticket_principal(request) -> Principal:
    """The caller's principal without the organisations where it only reads aggregates (elected
    officials see no ticket detail). 403 when nothing is left."""
    principal = principal_for(request)
    if principal is None:
        raise exceptions.NotAuthenticated()
    detail = permissions.detail_principal(principal)
    if detail is None:
        raise exceptions.PermissionDenied(_("Les élus n'ont accès qu'aux agrégats, pas au détail des tickets."))
    return detail


def require_write(principal, network):
    """The organisation in whose name the caller writes a ticket on `network` (403 otherwise)."""
    try:
        return permissions.require(principal, permissions.WRITE, permissions.network_organisations(network),
                                   _("Votre rôle ne permet que la lecture des tickets."))
    except DjangoPermissionDenied as denied:
        raise exceptions.PermissionDenied(str(denied)) from None


def base_url(request) -> str:
    list_url = reverse("tmf621-troubleticket-list")
    return request.build_absolute_uri(list_url)[: -len(representation.TICKET_PATH)]


def make_actor(request, org_id) -> Actor:
    user = request.user
    return Actor(user=user, organisation=Organisation.objects.filter(pk=org_id).first() if org_id else None,
                 base_url=base_url(request), name=user.get_full_name() or user.get_username())


def parse_fields(request):
    raw = request.query_params.get("fields")
    if not raw:
        return None
    # unknown names are ignored, as TMF implementations do: id, href and @type are always returned
    return {f.strip() for f in raw.split(",") if f.strip()}


ENUM_FILTERS = {
    "status": ("status", TicketStatus.values),
    "severity": ("severity", TicketSeverity.values),
    "ticketType": ("ticket_type", None),  # any string (known types and others)
    "priority": ("priority", None),
    "externalId": ("external_id", None),
    "network": ("network__slug", None),
}
DATE_FILTERS = {
    "creationDate": "creation_date", "lastUpdate": "last_update", "statusChangeDate": "status_change_date",
    "expectedResolutionDate": "expected_resolution_date", "resolutionDate": "resolution_date",
}
DATE_OPERATORS = ("gt", "gte", "lt", "lte")


def _parse_moment(value: str):
    """ISO 8601 date or date-time, or None; well-formed but impossible ones (2026-02-30) too."""
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is None:
                return None
            moment = datetime(day.year, day.month, day.day)
    except (ValueError, OverflowError):
        return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt_timezone.utc)
    return moment


def filter_tickets(queryset, params):
    """TMF630-style attribute filters: `status=inProgress,pending` (comma = or), `creationDate.gt=...`."""
    errors = {}
    for name, (field, allowed) in ENUM_FILTERS.items():
        if name not in params:
            continue
        values = [v for v in params[name].split(",") if v]
        bad = [v for v in values if allowed is not None and v not in allowed]
        if bad:
            errors[name] = [f"unknown value(s) {', '.join(bad)} (allowed: {', '.join(allowed)})"]
            continue
        queryset = queryset.filter(**{f"{field}__in": values})
    for name, field in DATE_FILTERS.items():
        for operator in DATE_OPERATORS:
            key = f"{name}.{operator}"
            if key not in params:
                continue
            moment = _parse_moment(params[key])
            if moment is None:
                errors[key] = ["not an ISO 8601 date or date-time"]
                continue
            queryset = queryset.filter(**{f"{field}__{operator}": moment})
    if errors:
        raise exceptions.ValidationError(errors)
    return queryset


MAX_OFFSET = 10**9
ID_PATTERN = re.compile(r"[0-9]{1,18}")  # ASCII digits only: "²" or "١" are not ids


def ticket_id(pk) -> int:
    """The integer id of a URL `{id}`; 400 (TMF Error) for anything but 1 to 18 ASCII digits."""
    if not ID_PATTERN.fullmatch(str(pk)):
        raise exceptions.ValidationError({"id": ["not a trouble ticket id (ASCII digits)"]})
    return int(pk)


def _non_negative_int(params, name, default, maximum=None):
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not ID_PATTERN.fullmatch(raw.strip()):
        raise exceptions.ValidationError({name: ["not a non-negative integer (ASCII digits)"]})
    value = int(raw)
    if value > MAX_OFFSET or (name == "limit" and value == 0):
        raise exceptions.ValidationError({name: ["out of range"]})
    return min(value, maximum) if maximum else value


class TmfView(APIView):
    parser_classes = [JSONParser]

    def get_exception_handler(self):
        return tmf_exception_handler

    def visible_tickets(self, principal):
        return TroubleTicket.objects.restrict(principal)


FIELDS_PARAM = OpenApiParameter("fields", str, description="Attributs à renvoyer, séparés par des virgules")
TMF_ERROR = OpenApiResponse(TmfErrorDocument, description="TMF Error {code, reason, message, status, errors}")
ERRORS = {code: TMF_ERROR for code in (400, 401, 403, 404)}


class TroubleTicketListView(TmfView):
    """List (filters, fields, offset/limit) and create trouble tickets."""

    @extend_schema(
        operation_id="listTroubleTicket", tags=["TMF621 troubleTicket"],
        parameters=[
            FIELDS_PARAM, OpenApiParameter("offset", {"type": "integer", "minimum": 0}),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1}),
            OpenApiParameter("status", str), OpenApiParameter("severity", str), OpenApiParameter("ticketType", str),
            OpenApiParameter("network", str), OpenApiParameter("creationDate.gt", OpenApiTypes.DATETIME),
            OpenApiParameter("creationDate.lt", OpenApiTypes.DATETIME),
        ],
        responses={200: TroubleTicketDocument(many=True), **ERRORS},
    )
    def get(self, request):
        principal = ticket_principal(request)
        fields = parse_fields(request)
        queryset = filter_tickets(self.visible_tickets(principal), request.query_params)
        offset = _non_negative_int(request.query_params, "offset", 0)
        limit = _non_negative_int(request.query_params, "limit", DEFAULT_LIMIT, MAX_LIMIT)
        total = queryset.count()
        page = list(representation.with_details(queryset.order_by("-creation_date", "-id"))[offset:offset + limit])
        url = base_url(request)
        now = timezone.now()
        data = [representation.ticket_representation(t, url, fields, now) for t in page]
        return Response(data, headers={"X-Total-Count": str(total), "X-Result-Count": str(len(data))})

    @extend_schema(
        operation_id="createTroubleTicket", tags=["TMF621 troubleTicket"], request=TroubleTicketCreateInput,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        responses={201: TroubleTicketDocument, **ERRORS, 422: TMF_ERROR},
    )
    def post(self, request):
        principal = ticket_principal(request)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 255:
            raise exceptions.ValidationError({"Idempotency-Key": ["at most 255 characters"]})
        request_hash = hashlib.sha256(json.dumps(request.data, sort_keys=True, default=str).encode()).hexdigest()
        if key:
            replay = self.replay(request, principal, key, request_hash)
            if replay is not None:
                return replay
        serializer = TroubleTicketCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        network = self.target_network(principal, data.get("network"))
        org_id = require_write(principal, network)
        actor = make_actor(request, org_id)
        values = {
            "description": data["description"], "severity": data["severity"], "ticket_type": data["ticketType"],
            "name": data.get("name") or "", "priority": data.get("priority") or "",
            "external_id": data.get("externalId") or "",
            "expected_resolution_date": data.get("expectedResolutionDate"),
            "requested_resolution_date": data.get("requestedResolutionDate"),
        }
        try:
            with transaction.atomic():
                ticket = create_ticket(network, values, data.get("relatedEntity") or [], data.get("note") or [], actor)
                if key:
                    IdempotencyRecord.objects.create(user=request.user, key=key, request_hash=request_hash,
                                                     ticket=ticket, status_code=201)
        except IntegrityError:
            if key:  # a concurrent request with the same key won the race
                replay = self.replay(request, principal, key, request_hash)
                if replay is not None:
                    return replay
            raise
        body = representation.ticket_representation(representation.load(ticket.pk), actor.base_url)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["href"]})

    def replay(self, request, principal, key, request_hash):
        record = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
        if record is None:
            return None
        if record.request_hash != request_hash:
            raise _StatusError(422, "Idempotency-Key",
                               "this key was already used with a different request body (ticket %s)" % record.ticket_id)
        ticket = representation.with_details(self.visible_tickets(principal).filter(pk=record.ticket_id)).first()
        if ticket is None:
            raise exceptions.NotFound()
        body = representation.ticket_representation(ticket, base_url(request))
        return Response(body, status=record.status_code, headers={"Location": body["href"], "Idempotent-Replayed": "true"})

    def target_network(self, principal, slug):
        networks = Network.objects.restrict(principal)
        if slug:
            network = networks.filter(slug=slug).select_related("owner", "operator").first()
            if network is None:
                raise exceptions.ValidationError({"network": [f"unknown network '{slug}'"]})
            return network
        candidates = list(networks.select_related("owner", "operator")[:2])
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise exceptions.ValidationError({"network": ["your organisation has no network"]})
        raise exceptions.ValidationError({"network": ["required: your organisation has more than one network"]})


class TroubleTicketDetailView(TmfView):
    """Retrieve and change (JSON merge patch) one trouble ticket. No DELETE: a ticket is cancelled."""

    parser_classes = [MergePatchJSONParser, JSONParser]

    def get_ticket(self, principal, pk):
        pk = ticket_id(pk)
        ticket = representation.with_details(self.visible_tickets(principal).filter(pk=pk)).first()
        if ticket is None:
            raise exceptions.NotFound()
        return ticket

    @extend_schema(operation_id="retrieveTroubleTicket", tags=["TMF621 troubleTicket"], parameters=[FIELDS_PARAM],
                   responses={200: TroubleTicketDocument, **ERRORS})
    def get(self, request, pk):
        principal = ticket_principal(request)
        fields = parse_fields(request)
        ticket = self.get_ticket(principal, pk)
        return Response(representation.ticket_representation(ticket, base_url(request), fields))

    @extend_schema(operation_id="patchTroubleTicket", tags=["TMF621 troubleTicket"], request=TroubleTicketPatchInput,
                   responses={200: TroubleTicketDocument, **ERRORS, 415: TMF_ERROR})
    def patch(self, request, pk):
        principal = ticket_principal(request)
        ticket = self.get_ticket(principal, pk)
        org_id = require_write(principal, ticket.network)
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"": ["a JSON merge patch is a JSON object"]})
        serializer = TroubleTicketPatchInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        patch = {name: value for name, value in serializer.validated_data.items() if name in request.data}
        actor = make_actor(request, org_id)
        patch_ticket(ticket.pk, patch, actor)
        return Response(representation.ticket_representation(representation.load(ticket.pk), actor.base_url))


class TroubleTicketAttachmentView(TmfView):
    """Upload a photo from the field: multipart/form-data with `file` (JPEG, PNG or WebP, at most
    TROUBLE_TICKET_ATTACHMENT_MAX_BYTES) and an optional `description`."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="createTroubleTicketAttachment", tags=["TMF621 troubleTicket"],
        request={"multipart/form-data": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}, "description": {"type": "string"}}, "required": ["file"]}},
        responses={201: AttachmentDocument, **ERRORS, 413: TMF_ERROR},
    )
    def post(self, request, pk):
        principal = ticket_principal(request)
        ticket = TroubleTicketDetailView.get_ticket(self, principal, pk)
        org_id = require_write(principal, ticket.network)
        uploaded = request.FILES.get("file")
        if uploaded is None:
            raise exceptions.ValidationError({"file": [_("Ce champ est obligatoire.")]})
        try:
            mime_type = check_photo(uploaded)
        except AttachmentRefused as refused:
            raise _StatusError(refused.status_code, "file", str(refused))
        actor = make_actor(request, org_id)
        attachment = add_attachment(ticket.pk, uploaded, mime_type, request.data.get("description", ""), actor)
        body = representation.attachment_representation(actor.base_url, ticket, attachment)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["href"]})


class TroubleTicketAttachmentContentView(TmfView):
    """The photo itself, served to those who see the ticket (media files are not public)."""

    @extend_schema(operation_id="retrieveTroubleTicketAttachment", tags=["TMF621 troubleTicket"],
                   responses={(200, "image/*"): OpenApiTypes.BINARY, **ERRORS})
    def get(self, request, pk, attachment_id):
        principal = ticket_principal(request)
        ticket = TroubleTicketDetailView.get_ticket(self, principal, pk)
        attachment = (TicketAttachment.objects.filter(ticket=ticket, pk=attachment_id).first()
                      if ID_PATTERN.fullmatch(str(attachment_id)) else None)
        if attachment is None:
            raise exceptions.NotFound()
        return FileResponse(attachment.file.open("rb"), content_type=attachment.mime_type)


EXTENSION_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": representation.EXTENDED_TYPE,
    "title": representation.EXTENDED_TYPE,
    "description": "TMF621 TroubleTicket extended by Vigie Fibre (docs/incidents.md).",
    "$comment": "@baseType TroubleTicket: TMF621 v4 TroubleTicket, extended by the properties below",
    "type": "object",
    "properties": {
        "network": {"type": "string", "description": "slug of the network the ticket concerns"},
        "impact": {"type": ["object", "null"], "description": "premises and sites cut by the damaged assets"},
        "impactedPremises": {"type": "array", "description": "collectiveOutage tickets: premises cut"},
        "sla": {"type": "object", "description": "GTR timers: acknowledge and restore deadlines"},
    },
}


class TroubleTicketSchemaView(APIView):
    """The JSON Schema named by every ticket's `@schemaLocation` (public, like any schema)."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(exclude=True)
    def get(self, request):
        return Response(EXTENSION_SCHEMA, content_type="application/schema+json")

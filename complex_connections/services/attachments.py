"""Attachments of complex connection cases: type and size checked before anything is stored.

Accepted: PDF, JPEG, PNG, WebP (survey photos, quotes, aid forms), at most
`COMPLEX_CONNECTIONS["ATTACHMENT_MAX_BYTES"]`. The type is decided by the file's first bytes,
not by the name or the announced content type.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _t

from core.audit import record
from complex_connections.models import ComplexConnectionAttachment

from .rules import thresholds

SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]


def sniff(head: bytes) -> str | None:
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def attach(case, uploaded, *, actor=None, organisation=None) -> ComplexConnectionAttachment:
    if uploaded is None:
        raise ValidationError({"file": _t("Aucun fichier reçu.")})
    limit = thresholds()["ATTACHMENT_MAX_BYTES"]
    if uploaded.size > limit:
        raise ValidationError({"file": _t("Fichier trop gros : %(size)s octets (maximum %(max)s).")
                               % {"size": uploaded.size, "max": limit}})
    head = uploaded.read(16)
    uploaded.seek(0)
    content_type = sniff(head)
    if content_type is None:
        raise ValidationError({"file": _t("Type de fichier refusé : PDF, JPEG, PNG ou WebP attendu.")})
    with transaction.atomic():
        attachment = ComplexConnectionAttachment(
            case=case, filename=uploaded.name[:255], content_type=content_type, size=uploaded.size,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None, organisation=organisation,
        )
        attachment.file.save(uploaded.name, uploaded, save=False)
        attachment.save()
        # core.audit.snapshot cannot serialise a FieldFile: the file's facts are given explicitly.
        record(attachment, "create", actor=actor, organisation=organisation, after={
            "case_id": case.pk, "file": attachment.file.name, "filename": attachment.filename,
            "content_type": content_type, "size": attachment.size,
        })
    return attachment

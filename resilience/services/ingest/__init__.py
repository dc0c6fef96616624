"""Alert ingestion: one parser per format, one pipeline (common.ingest). Entry point: ingest_payload."""
from .common import IngestError, IngestResult, ingest  # noqa: F401

FORMATS = ("cap", "vigilance", "vigicrues", "geojson")


def detect_format(payload: bytes, content_type: str = "") -> str:
    head = payload.lstrip()[:1]
    if head == b"<" and b"<CV" in payload[:300]:
        return "vigilance"  # national XML bulletin (NXFR33)
    if "xml" in content_type or head == b"<":
        return "cap"
    if b'"vic:InfoVigiCru"' in payload[:20000] or b"vic:InfoVigiCru" in payload[:20000]:
        return "vigicrues"
    if b'"domain_id"' in payload[:2000] or (b'"product"' in payload[:500] and b'"periods"' in payload[:5000]):
        return "vigilance"
    return "geojson"


def ingest_payload(payload: bytes, fmt: str | None = None, *, content_type="", origin="", organisation=None,
                   network=None, allow_expired=None, now=None, historic=False) -> IngestResult:
    """Ingest one payload of the given (or detected) format. Raises IngestError when refused.

    `historic=True` accepts a message whose validity has ended and stores it as an ended alert
    with its original times, without exposure (common.ingest); live feeds leave it False."""
    # imported here: the format modules import ingest.common, which imports this package: a real cycle
    from . import cap, geojson, vigicrues, vigilance

    fmt = fmt or detect_format(payload if isinstance(payload, bytes) else payload.encode(), content_type)
    parsers = {"cap": cap.parse, "vigilance": vigilance.parse, "vigicrues": vigicrues.parse}
    if fmt == "geojson":
        parser = geojson.parser_for(sender=f"org:{organisation.slug}" if organisation else "cli",
                                    network=network)
        source = "geojson"
    else:
        parser, source = parsers[fmt], fmt
    return ingest(payload, source, parser, origin=origin, content_type=content_type, organisation=organisation,
                  network=network, allow_expired=allow_expired, now=now, historic=historic)

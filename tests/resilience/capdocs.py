"""Hand-written CAP 1.2 documents for the alert tests (Quimper / Finistère), built from parts."""
from django.contrib.gis.geos import Point

from tests.builders import ORIGIN


def latlon(dx, dy) -> str:
    """'lat,lon' (CAP order) of a point dx, dy metres from the test network's origin."""
    p = Point(ORIGIN[0] + dx, ORIGIN[1] + dy, srid=2154)
    p.transform(4326)
    return f"{p.y:.7f},{p.x:.7f}"


def box(x0, y0, x1, y1, closed=True) -> str:
    """A CAP <polygon> text around the rectangle (metres from the origin), lat,lon pairs."""
    pts = [latlon(x0, y0), latlon(x1, y0), latlon(x1, y1), latlon(x0, y1)]
    if closed:
        pts.append(pts[0])
    return " ".join(pts)


def cap(identifier="VF-TEST-1", *, msg_type="Alert", status="Actual", references="", sent="2030-01-01T10:00:00+01:00",
        expires="2099-01-01T00:00:00+01:00", infos=None, sender="vigilance@meteo.fr") -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    body = "".join(infos if infos is not None else [info()])
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{sender}</sender>
  <sent>{sent}</sent>
  <status>{status}</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {refs}
  {body}
</alert>""".encode()


def info(*, language="fr-FR", event="Vent violent", level="3; orange; Severe", awareness="1; Wind", areas=None,
         expires="2099-01-01T00:00:00+01:00", severity="Severe") -> str:
    params = ""
    if level:
        params += f"<parameter><valueName>awareness_level</valueName><value>{level}</value></parameter>"
    if awareness:
        params += f"<parameter><valueName>awareness_type</valueName><value>{awareness}</value></parameter>"
    area_xml = "".join(areas if areas is not None else [area(polygon=box(500, -200, 1500, 800))])
    return f"""<info>
    <language>{language}</language>
    <category>Met</category>
    <event>{event}</event>
    <urgency>Immediate</urgency>
    <severity>{severity}</severity>
    <certainty>Likely</certainty>
    <onset>2030-01-01T12:00:00+01:00</onset>
    <expires>{expires}</expires>
    <headline>{event}</headline>
    {params}
    {area_xml}
  </info>"""


def area(desc="Quimper nord-est", polygon=None, circle=None, geocodes=()) -> str:
    parts = [f"<areaDesc>{desc}</areaDesc>"]
    if polygon:
        parts.append(f"<polygon>{polygon}</polygon>")
    if circle:
        parts.append(f"<circle>{circle}</circle>")
    for name, value in geocodes:
        parts.append(f"<geocode><valueName>{name}</valueName><value>{value}</value></geocode>")
    return "<area>" + "".join(parts) + "</area>"

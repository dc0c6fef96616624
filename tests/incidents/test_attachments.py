"""Photos from the field: type sniffed from content, size bounded, stored under MEDIA_ROOT, listed."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.models import TicketAttachment
from webhooks.models import OutboxEvent

from .conftest import TT

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 100


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, ticket_id, name, content, content_type="image/png", **extra):
    return client.post(f"{TT}/{ticket_id}/attachment",
                       {"file": SimpleUploadedFile(name, content, content_type=content_type), **extra},
                       format="multipart")


@pytest.mark.parametrize("name,content,mime", [("p.png", PNG, "image/png"), ("p.jpg", JPEG, "image/jpeg"),
                                               ("p.webp", WEBP, "image/webp")])
def test_photo_is_stored_and_listed(clients, create_ticket, media, name, content, mime):
    ticket = create_ticket()
    response = upload(clients["op"], ticket["id"], name, content, description="poteau au sol")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mimeType"] == mime and body["size"] == {"amount": len(content), "units": "bytes"}
    attachment = TicketAttachment.objects.get(pk=body["id"])
    assert (media / attachment.file.name).read_bytes() == content
    assert attachment.file.name.startswith(f"troubleTickets/{ticket['id']}/")
    listed = clients["syn"].get(f"{TT}/{ticket['id']}").json()["attachment"]
    assert [a["id"] for a in listed] == [body["id"]] and listed[0]["description"] == "poteau au sol"
    download = clients["syn"].get(body["href"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert download["Content-Type"] == mime
    assert clients["other_op"].get(body["href"]).status_code == 404
    assert OutboxEvent.objects.filter(event_type="TroubleTicketAttributeValueChangeEvent").count() == 1


def test_wrong_type_is_refused_whatever_its_name(clients, create_ticket, media):
    ticket = create_ticket()
    response = upload(clients["op"], ticket["id"], "photo.png", b"%PDF-1.7 not a photo", "image/png")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "file" and "JPEG" in response.json()["errors"][0]["reason"]
    assert not TicketAttachment.objects.exists() and not any(media.rglob("*.*"))


def test_too_large_is_refused(clients, create_ticket, settings, media):
    settings.TROUBLE_TICKET_ATTACHMENT_MAX_BYTES = 50
    ticket = create_ticket()
    response = upload(clients["op"], ticket["id"], "big.png", PNG)
    assert response.status_code == 413 and "too large" in response.json()["errors"][0]["reason"]
    assert not TicketAttachment.objects.exists()


def test_missing_file_and_readers(clients, create_ticket):
    ticket = create_ticket()
    response = clients["op"].post(f"{TT}/{ticket['id']}/attachment", {}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "file"
    assert upload(clients["viewer"], ticket["id"], "p.png", PNG).status_code == 403
    assert upload(clients["other_op"], ticket["id"], "p.png", PNG).status_code == 404

"""Signatures per Standard Webhooks, checked with the reference `standardwebhooks` library (the receiver side)."""
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from webhooks.services.signing import generate_secret, sign, signature_header


def headers_for(secrets, body, msg_id="evt-1"):
    ts = int(datetime.now(UTC).timestamp())
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signature_header(secrets, msg_id, ts, body)}


def test_signature_verifies_with_the_reference_library():
    secret = generate_secret()
    assert secret.startswith("whsec_")
    body = '{"eventType":"TroubleTicketCreateEvent","note":"tempête Ciarán"}'.encode()
    assert Webhook(secret).verify(body, headers_for([secret], body))["note"] == "tempête Ciarán"


def test_same_signature_as_the_reference_library():
    secret = generate_secret()
    ts = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
    assert sign(secret, "msg_1", int(ts.timestamp()), b'{"a":1}') == Webhook(secret).sign("msg_1", ts, '{"a":1}')


def test_tampered_body_or_other_secret_fails():
    secret = generate_secret()
    body = b'{"severity":"minor"}'
    headers = headers_for([secret], body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"severity":"major"}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(body, headers)


def test_two_secrets_give_two_signatures_each_verifying():
    old, new = generate_secret(), generate_secret()
    body = b"{}"
    headers = headers_for([new, old], body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)

"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

Headers: `webhook-id` (the event id: stable across retries, the receiver's idempotency key),
`webhook-timestamp` (Unix seconds of this attempt), `webhook-signature`: space-separated
`v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, one per active secret (two during a
rotation overlap). A secret is `whsec_` + base64 of 32 random bytes; the key is the decoded bytes.
"""
import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    raw = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(raw + "=" * (-len(raw) % 4))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets_)

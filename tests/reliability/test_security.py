"""Login and API protection: lockout after 10 failures (django-axes), TOTP second factor with
recovery codes (django-otp), a Content-Security-Policy on every HTML page, per-token throttling."""
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from core.models import AuditEvent
from organisations.models import Membership, Organisation

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


@pytest.fixture
def cellule(db):
    org = Organisation.objects.create(slug="syn-s", name="Syn S", kind="syndicate")
    user = get_user_model().objects.create_user("cellule-s", password="bon-mot-de-passe-2026")
    Membership.objects.create(user=user, organisation=org, role="crisis_manager")
    return user


def login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_twelve_wrong_passwords_lock_the_account_even_with_the_right_one(cellule):
    from axes.utils import reset

    reset()
    client = Client()
    for _ in range(9):
        assert login(client, "cellule-s", "faux").status_code == 200  # the form again, with its error
    assert login(client, "cellule-s", "faux").status_code == 429  # the 10th failure locks the account
    eleventh = login(client, "cellule-s", "bon-mot-de-passe-2026")
    twelfth = login(client, "cellule-s", "bon-mot-de-passe-2026")
    for response in (eleventh, twelfth):
        assert response.status_code == 429
        assert "Trop de tentatives" in response.content.decode() and int(response["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(object_id=str(cellule.pk), after__locked_out=True).exists()
    # another account is not locked
    other = get_user_model().objects.create_user("autre-s", password="x-mot-de-passe-2026")
    assert login(Client(), other.username, "x-mot-de-passe-2026").status_code == 302
    reset()


def test_csp_header_on_every_html_page(cellule, client):
    client.force_login(cellule)
    for url in ["/accounts/login/", "/", "/carte/", "/api/docs/", "/admin/login/"]:
        response = client.get(url, follow=True)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "default-src 'self'" in csp, (url, csp)
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0], (url, csp)
    # a page with a Leaflet map: its bootstrap script carries the nonce named by the header
    response = client.get("/carte/")
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.content.decode()


def test_no_inline_script_or_handler_in_templates():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in list(root.glob("*/templates/**/*.html")):
        text = path.read_text()
        for match in re.finditer(r'<script(?![^>]*(\bsrc=|type="application/json"))[^>]*>', text):
            offenders.append(f"{path.relative_to(root)}: {match.group(0)}")
        if re.search(r"\son[a-z]+=\"", text):
            offenders.append(f"{path.relative_to(root)}: inline handler")
    assert not offenders, offenders


def test_admin_role_must_enrol_totp_then_verify_with_code_or_recovery_code(cellule, settings):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    Membership.objects.filter(user=cellule).update(role="admin")
    client = Client()
    assert login(client, "cellule-s", "bon-mot-de-passe-2026").status_code == 302
    # not verified: pages lead to the MFA step (enrolment first), the session API is refused
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/mfa/")
    assert client.get("/api/v1/").status_code == 403
    setup = client.get("/accounts/mfa/setup/")
    assert setup.status_code == 200 and b"data:image/svg+xml;base64," in setup.content
    device = TOTPDevice.objects.get(user=cellule, confirmed=False)
    assert client.post("/accounts/mfa/setup/", {"code": "000000" if totp(device.bin_key) != 0 else "111111"}).status_code == 400
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down retries after a wrong code
    done = client.post("/accounts/mfa/setup/", {"code": f"{totp(device.bin_key):06d}"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert client.get("/").status_code == 200  # verified session

    # next login: a recovery code works once
    again = Client()
    login(again, "cellule-s", "bon-mot-de-passe-2026")
    assert again.get("/")["Location"].startswith("/accounts/mfa/?")
    assert again.post("/accounts/mfa/", {"code": codes[0], "next": "/"}).status_code == 302
    assert again.get("/").status_code == 200
    third = Client()
    login(third, "cellule-s", "bon-mot-de-passe-2026")
    assert third.post("/accounts/mfa/", {"code": codes[0]}).status_code == 400  # used up


def test_roles_outside_mfa_required_roles_log_in_with_password_only(cellule):
    client = Client()
    login(client, "cellule-s", "bon-mot-de-passe-2026")
    assert client.get("/").status_code == 200


def test_api_throttling_per_token_answers_429_with_retry_after(token_client, settings):
    from rest_framework.settings import api_settings

    from core.api.throttling import TokenRateThrottle

    org = Organisation.objects.create(slug="syn-t", name="Syn T", kind="syndicate")
    client, _ = token_client(org)
    other, _ = token_client(org, username="other-t")
    original = TokenRateThrottle.THROTTLE_RATES
    TokenRateThrottle.THROTTLE_RATES = {**original, "token": "3/min"}
    try:
        from django.core.cache import cache

        cache.clear()
        statuses = [client.get("/api/v1/alerts/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/api/v1/alerts/")
        assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
        assert limited.json()["errors"][0]["reason"]
        assert other.get("/api/v1/alerts/").status_code == 200  # per token
    finally:
        TokenRateThrottle.THROTTLE_RATES = original
    assert api_settings.DEFAULT_THROTTLE_CLASSES

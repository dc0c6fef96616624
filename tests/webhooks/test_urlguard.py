"""SSRF: callbacks must be https and public, unless the host is listed in WEBHOOK_ALLOWED_HOSTS."""
import pytest

from webhooks.services.urlguard import CallbackRefused, check_callback, forbidden_address_reason


@pytest.fixture(autouse=True)
def nothing_allowed(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []


@pytest.mark.parametrize("url, fragment", [
    ("http://partner.example/hook", "https"),
    ("ftp://partner.example/hook", "https"),
    ("https://127.0.0.1/hook", "bouclage"),
    ("https://127.0.0.1:8443/hook", "bouclage"),
    ("https://10.1.2.3/hook", "privée"),
    ("https://192.168.0.10/hook", "privée"),
    ("https://169.254.169.254/latest/meta-data", "lien-local"),
    ("https://[::1]/hook", "bouclage"),
    ("https://[::ffff:127.0.0.1]/hook", "bouclage"),
    ("https://[fe80::1]/hook", "lien-local"),
    ("https://224.0.0.1/hook", "multicast"),
    ("https://0.0.0.0/hook", "non spécifiée"),
    ("https://240.0.0.1/hook", "réservée"),
    ("https://100.64.0.1/hook", "non publique"),
    ("https://localhost/hook", "bouclage"),  # a name resolving to loopback
    ("https://user:pw@partner.example/hook", "identifiants"),
    ("https:///nohost", "hôte"),
    ("https://no-such-host.invalid/hook", "ne se résout pas"),
])
def test_refused(url, fragment):
    with pytest.raises(CallbackRefused, match=fragment):
        check_callback(url)


def test_public_address_accepted():
    check_callback("https://93.184.216.34/hook")  # an IP literal: no DNS needed
    assert forbidden_address_reason("2a01:cb00::1") is None


def test_allowed_host_may_use_http_and_a_private_address(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1", "localhost:9000"]
    check_callback("http://127.0.0.1:8001/hook")
    check_callback("https://127.0.0.1/hook")
    check_callback("http://localhost:9000/hook")
    with pytest.raises(CallbackRefused):
        check_callback("http://localhost:9001/hook")  # listed with another port only

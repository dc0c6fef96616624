"""Callback URL checks against server-side request forgery (*SSRF*).

A subscriber chooses where Vigie Fibre POSTs, so a callback must never reach the service's own
network: https only; every address the host resolves to must be public (no private, loopback,
link-local, multicast, reserved or unspecified address, IPv4-mapped IPv6 unwrapped first). Hosts
listed in `WEBHOOK_ALLOWED_HOSTS` (name or name:port) skip the address checks and may use http.

Checked when the subscription is saved AND at every delivery (DNS changes). To close the gap
between the check and the connection (DNS rebinding), the delivery session (`guarded_session`)
also checks the peer address of every socket it opens before sending a byte.
"""
import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class CallbackRefused(Exception):
    """The callback URL may not be called; str() is the reason, for the `callback` error path."""


def _allowed_hosts() -> set[str]:
    return {h.strip().lower() for h in getattr(settings, "WEBHOOK_ALLOWED_HOSTS", []) if h.strip()}


def host_is_allowed(host: str, port: int | None) -> bool:
    allowed = _allowed_hosts()
    host = (host or "").lower().strip("[]")
    candidates = {host, f"[{host}]"}
    if port is not None:
        candidates |= {f"{host}:{port}", f"[{host}]:{port}"}
    return bool(candidates & allowed)


def forbidden_address_reason(address: str) -> str | None:
    """Why this IP address may not be called, or None when it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return _("adresse invalide")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = [
        (ip.is_loopback, _("adresse de bouclage (loopback)")),
        (ip.is_link_local, _("adresse lien-local")),
        (ip.is_multicast, _("adresse multicast")),
        (ip.is_unspecified, _("adresse non spécifiée")),
        (ip.is_reserved, _("adresse réservée")),
        (ip.is_private, _("adresse privée")),
        (not ip.is_global, _("adresse non publique")),
    ]
    for hit, reason in checks:
        if hit:
            return reason
    return None


def check_callback(url: str) -> None:
    """Raise CallbackRefused(reason) unless Vigie Fibre may POST to `url` now (resolves the host)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise CallbackRefused(_("URL invalide : %(error)s") % {"error": exc}) from exc
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if not host:
        raise CallbackRefused(_("URL sans nom d'hôte"))
    if parts.username or parts.password:
        raise CallbackRefused(_("les identifiants dans l'URL ne sont pas acceptés"))
    allowed = host_is_allowed(host, port)
    if scheme != "https" and not (allowed and scheme == "http"):
        raise CallbackRefused(_("seules les URL https sont acceptées (reçu « %(scheme)s »)") % {"scheme": scheme})
    if allowed:
        return
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise CallbackRefused(_("le nom d'hôte %(host)s ne se résout pas") % {"host": host}) from exc
    for info in infos:
        address = info[4][0]
        reason = forbidden_address_reason(address)
        if reason:
            raise CallbackRefused(
                _("l'hôte %(host)s désigne %(address)s : %(reason)s, interdite (sauf hôte listé dans "
                  "WEBHOOK_ALLOWED_HOSTS)") % {"host": host, "address": address, "reason": reason}
            )


class _PeerCheck:
    """Refuse a freshly opened socket whose peer is not public (unless the host is allowed)."""

    def _new_conn(self):
        sock = super()._new_conn()
        if not host_is_allowed(self.host, self.port):
            try:
                peer = sock.getpeername()[0]
            except OSError:
                peer = ""
            reason = forbidden_address_reason(peer)
            if reason:
                sock.close()
                raise CallbackRefused(_("connexion vers %(address)s refusée : %(reason)s") % {"address": peer, "reason": reason})
        return sock


class GuardedHTTPConnection(_PeerCheck, HTTPConnection):
    pass


class GuardedHTTPSConnection(_PeerCheck, HTTPSConnection):
    pass


class GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": GuardedHTTPConnectionPool, "https": GuardedHTTPSConnectionPool}


def guarded_session() -> requests.Session:
    """A requests session that checks the peer of every connection and ignores proxy variables."""
    session = requests.Session()
    session.trust_env = False  # a proxy would hide the real peer
    adapter = GuardedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session

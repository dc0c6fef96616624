"""WSGI entry point (gunicorn config.wsgi).

The URL configuration (every view module, DRF, the serializers) is imported when the worker
boots, not by its first request: that request was an alert POST at 0.8–1.1 s instead of
0.1–0.2 s, in the middle of a crisis path measured from the POST (benchmarks/README.md)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _import_views() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point


_import_views()

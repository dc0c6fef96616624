"""TMF621 hub routes, relative to /tmf-api/troubleTicket/v4/ (included by incidents/tmf_urls.py).

The trailing slash is optional, as TMF clients send none.
"""
from django.urls import re_path

from .views import HubDetailView, HubView

tmf_urlpatterns = [
    re_path(r"^hub/?$", HubView.as_view(), name="tmf-hub"),
    re_path(r"^hub/(?P<pk>[^/]+)/?$", HubDetailView.as_view(), name="tmf-hub-detail"),
]
urlpatterns = tmf_urlpatterns

"""TMF621 Trouble Ticket API routes under /tmf-api/troubleTicket/v4/."""
urlpatterns: list = []
from webhooks.api.tmf_urls import tmf_urlpatterns  # noqa: E402  (webhooks: the TMF621 hub)
urlpatterns += tmf_urlpatterns

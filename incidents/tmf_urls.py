"""TMF621 Trouble Ticket API routes under /tmf-api/troubleTicket/v4/ ; the TMF621 `hub` comes from webhooks/."""
from django.urls import path

from webhooks.api.tmf_urls import tmf_urlpatterns

from .api.tmf_views import (
    TroubleTicketAttachmentContentView, TroubleTicketAttachmentView, TroubleTicketDetailView, TroubleTicketListView,
    TroubleTicketSchemaView,
)
from .services.representation import SCHEMA_PATH

urlpatterns = [
    path(SCHEMA_PATH, TroubleTicketSchemaView.as_view(), name="tmf621-troubleticket-schema"),
    path("troubleTicket", TroubleTicketListView.as_view(), name="tmf621-troubleticket-list"),
    path("troubleTicket/<str:pk>", TroubleTicketDetailView.as_view(), name="tmf621-troubleticket-detail"),
    path("troubleTicket/<str:pk>/attachment", TroubleTicketAttachmentView.as_view(), name="tmf621-troubleticket-attachment"),
    path("troubleTicket/<str:pk>/attachment/<str:attachment_id>", TroubleTicketAttachmentContentView.as_view(),
         name="tmf621-troubleticket-attachment-content"),
]

urlpatterns += tmf_urlpatterns

from django.contrib.auth import views as auth_views
from django.urls import path

from . import (
    alert_views, contact_views, crisis_manage_views, crisis_views, import_views, live, report_views, ticket_views, views,
    webhook_views,
)

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("carte/", views.map_view, name="map"),
    path("alertes/", alert_views.alert_list, name="alert-list"),
    path("alertes/nouvelle/", alert_views.alert_create, name="alert-create"),
    path("alertes/<int:pk>/", alert_views.alert_detail, name="alert-detail"),
    path("tickets/", ticket_views.ticket_list, name="ticket-list"),
    path("tickets/nouveau/", ticket_views.ticket_create, name="ticket-create"),
    path("tickets/<int:pk>/", ticket_views.ticket_detail, name="ticket-detail"),
    path("signalement/", report_views.report_create, name="report-create"),
    path("signalements/", report_views.report_list, name="report-list"),
    path("signalements/<int:pk>/tri/", report_views.report_triage, name="report-triage"),
    path("imports/<int:pk>/rapport/", import_views.import_report, name="import-report"),
    path("main-courante/", crisis_views.crisis_log, name="crisis-log"),
    path("contacts/", crisis_views.contacts, name="contacts"),
    path("contacts/nouveau/", contact_views.contact_create, name="contact-create"),
    path("contacts/<int:pk>/", contact_views.contact_edit, name="contact-edit"),
    path("crises/", crisis_manage_views.crisis_list, name="crisis-list"),
    path("crises/nouvelle/", crisis_manage_views.crisis_create, name="crisis-create"),
    path("crises/<int:pk>/", crisis_manage_views.crisis_detail, name="crisis-detail"),
    path("crises/<int:pk>/nis2/<str:stage>/", crisis_manage_views.nis2_stage, name="crisis-nis2"),
    path("webhooks/", webhook_views.subscription_list, name="webhook-list"),
    path("webhooks/<uuid:pk>/", webhook_views.subscription_detail, name="webhook-detail"),
    path("ui/changes/", live.changes, name="ui-changes"),
    path("ui/map/alerts.json", live.map_alerts, name="ui-map-alerts"),
    path("ui/map/tickets.json", live.map_tickets, name="ui-map-tickets"),
    path("ui/map/asset/", live.map_asset, name="ui-map-asset"),
    path("communes/<str:insee>/", views.commune_summary, name="commune-summary"),
    path("communes/<str:insee>/pdf/", views.commune_summary_pdf, name="commune-summary-pdf"),
    path("", views.dashboard, name="dashboard"),
]

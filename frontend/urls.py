from django.contrib.auth import views as auth_views
from django.urls import path

from . import alert_views, crisis_views, import_views, live, ticket_views, views

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
    path("imports/<int:pk>/rapport/", import_views.import_report, name="import-report"),
    path("main-courante/", crisis_views.crisis_log, name="crisis-log"),
    path("contacts/", crisis_views.contacts, name="contacts"),
    path("ui/changes/", live.changes, name="ui-changes"),
    path("ui/map/alerts.json", live.map_alerts, name="ui-map-alerts"),
    path("ui/map/tickets.json", live.map_tickets, name="ui-map-tickets"),
    path("ui/map/asset/", live.map_asset, name="ui-map-asset"),
    path("communes/<str:insee>/", views.commune_summary, name="commune-summary"),
    path("communes/<str:insee>/pdf/", views.commune_summary_pdf, name="commune-summary-pdf"),
    path("", views.dashboard, name="dashboard"),
]

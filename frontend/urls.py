from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("carte/", views.map_view, name="map"),
    path("communes/<str:insee>/", views.commune_summary, name="commune-summary"),
    path("communes/<str:insee>/pdf/", views.commune_summary_pdf, name="commune-summary-pdf"),
    path("", views.dashboard, name="dashboard"),
]

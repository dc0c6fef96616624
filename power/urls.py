"""Web pages of the power app (included before the frontend's catch-all)."""
from django.urls import path

from . import views

urlpatterns = [
    path("energie/", views.overview, name="power-overview"),
    path("energie/coupures/import/", views.upload_outages, name="power-upload-outages"),
    path("energie/alimentations/import/", views.upload_supplies, name="power-upload-supplies"),
    path("energie/<slug:slug>/sites/<str:code>/", views.site_edit, name="power-site-edit"),
]

"""API routes of reporting, nested under a crisis (no entry at the API root: reached from a crisis)."""
from django.urls import path

from .views import Nis2ExportView, Nis2StageView, Nis2View, SitRepExportView, SitRepListView

ROOT_ENDPOINTS: list[tuple[str, str]] = []

urlpatterns = [
    path("crises/<int:crisis_id>/sitreps/", SitRepListView.as_view(), name="sitrep-list"),
    path("crises/<int:crisis_id>/sitreps/<int:pk>/pdf/", SitRepExportView.as_view(fmt="pdf"), name="sitrep-pdf"),
    path("crises/<int:crisis_id>/sitreps/<int:pk>/csv/", SitRepExportView.as_view(fmt="csv"), name="sitrep-csv"),
    path("crises/<int:crisis_id>/sitreps/<int:pk>/json/", SitRepExportView.as_view(fmt="json"), name="sitrep-json"),
    path("crises/<int:crisis_id>/nis2/", Nis2View.as_view(), name="nis2"),
    path("crises/<int:crisis_id>/nis2/<str:stage>/", Nis2StageView.as_view(), name="nis2-stage"),
    path("crises/<int:crisis_id>/nis2/<str:stage>/json/", Nis2ExportView.as_view(fmt="json"), name="nis2-json"),
    path("crises/<int:crisis_id>/nis2/<str:stage>/pdf/", Nis2ExportView.as_view(fmt="pdf"), name="nis2-pdf"),
]

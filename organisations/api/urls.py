from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from .audit import AuditEventViewSet

from .views import MeView, OrganisationViewSet

router = SimpleRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("audit", AuditEventViewSet, basename="audit")

ROOT_ENDPOINTS = [("me", "me"), ("organisations", "organisation-list"), ("audit", "audit-list")]

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    re_path(r"^audit/export\.csv/?$", AuditEventViewSet.as_view({"get": "export_csv"}), name="audit-export"),
    *router.urls,
]

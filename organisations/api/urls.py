from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import MeView, OrganisationViewSet

router = SimpleRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")

ROOT_ENDPOINTS = [("me", "me"), ("organisations", "organisation-list")]

urlpatterns = [path("me/", MeView.as_view(), name="me"), *router.urls]

from django.urls import path

from . import views

urlpatterns = [
    path("accounts/mfa/", views.verify, name="mfa-verify"),
    path("accounts/mfa/setup/", views.setup, name="mfa-setup"),
    path("accounts/mfa/codes/", views.recovery_codes, name="mfa-codes"),
]

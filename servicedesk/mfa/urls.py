from django.urls import path

from . import views

app_name = "mfa"
urlpatterns = [
    path("", views.security, name="security"),
    path("enrol/", views.enrol, name="enrol"),
    path("totp/", views.enrol_totp, name="enrol_totp"),
    path("totp/remove/", views.remove_totp, name="remove_totp"),
    path("passkeys/", views.enrol_passkey, name="enrol_passkey"),
    path("passkeys/options/", views.passkey_options, name="passkey_options"),
    path("passkeys/register/", views.passkey_register, name="passkey_register"),
    path("passkeys/<int:passkey_id>/remove/", views.remove_passkey, name="remove_passkey"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("verify/", views.verify, name="verify"),
    path("verify/passkey/options/", views.verify_passkey_options, name="verify_passkey_options"),
    path("verify/passkey/", views.verify_passkey, name="verify_passkey"),
    path("reset/", views.reset, name="reset"),
]

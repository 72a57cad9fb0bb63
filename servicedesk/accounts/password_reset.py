"""Forgotten passwords: a reset link by mail, for customers and staff alike.

Django's PasswordReset* views with the desk's own form: the answer is the same whether or not an
address is known (nobody learns who has an account), requests are limited per address and per
client address, and the mail goes through the desk's mail settings (its SMTP server, or a file
under var/mail-outbox/ in the embedded mode), from the desk's name, in the person's own language,
with a link built on SERVICEDESK_BASE_URL (the Host header of the request is not trusted for it).
"""

from __future__ import annotations

import email.utils
import logging

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import path, reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from servicedesk.core.forms import DeskFormMixin
from servicedesk.core.ratelimit import Limit, client_address

log = logging.getLogger(__name__)


def desk_from_address() -> str:
    """The desk's name and address, as the notifications are sent from."""
    address = email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    return email.utils.formataddr((settings.SERVICEDESK_NAME or _("Service Desk"), address))


def _over_limit(scope: str, who: str, count: int, minutes: int) -> bool:
    """Whether `who` already made `count` requests within `minutes` (the desk's one rate limiter,
    core.ratelimit: shared by the processes); a request under the limit is counted."""
    limit = Limit(scope, count, minutes * 60)
    if limit.retry_after(who):
        return True
    limit.hit(who)
    return False


class ResetRequestForm(DeskFormMixin, PasswordResetForm):
    email = forms.EmailField(label=gettext_lazy("Your e-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))

    def __init__(self, *args, client_address: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.client_address = client_address
        self.limited = False

    def get_users(self, email):
        """Active people with that address, also those without a password yet (customers the desk
        created from their first mail): the link is how they get one."""
        from servicedesk.accounts.models import User

        return (u for u in User.objects.filter(email__iexact=email, is_active=True)
                if u.email.casefold() == email.casefold())

    def clean(self):
        cleaned = super().clean()
        address = (cleaned.get("email") or "").strip().lower()
        if not address:
            return cleaned
        minutes = settings.SERVICEDESK_PASSWORD_RESET_WINDOW_MINUTES
        # Counted for every address, known or not, so the limit tells nobody who has an account.
        by_address = _over_limit("password-reset-address", address,
                                 settings.SERVICEDESK_PASSWORD_RESET_PER_ADDRESS, minutes)
        by_client = _over_limit("password-reset-client", self.client_address,
                                settings.SERVICEDESK_PASSWORD_RESET_PER_CLIENT, minutes)
        if by_address or by_client:
            self.limited = True
            raise forms.ValidationError(ngettext(
                "Too many password reset requests. Please wait %(minutes)d minute and try again.",
                "Too many password reset requests. Please wait %(minutes)d minutes and try again.",
                minutes) % {"minutes": minutes}, code="rate_limited")
        return cleaned

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        user = context["user"]
        language = user.language if user.language and translation.check_for_language(user.language) \
            else translation.get_language()
        link = settings.SERVICEDESK_BASE_URL + reverse(
            "password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        with translation.override(language):
            values = {
                "user": user, "name": user.display_name, "username": user.get_username(), "link": link,
                "desk_name": settings.SERVICEDESK_NAME or _("Service Desk"),
                "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            }
            subject = " ".join(render_to_string(subject_template_name, values).split())
            body = render_to_string(email_template_name, values)
            sender = desk_from_address()
        message = EmailMultiAlternatives(subject, body, sender, [to_email],
                                         headers={"Auto-Submitted": "auto-generated"})
        try:
            message.send()
        except Exception:  # noqa: BLE001 - the answer must not differ; the failure is logged
            log.exception("The password reset mail to user %s could not be sent", user.pk)


class ResetRequestView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    # The desk's own names: Django's admin and auth apps ship templates under registration/ that
    # would win over the desk's (they come first in INSTALLED_APPS).
    template_name = "servicedesk/password/reset_form.html"
    subject_template_name = "servicedesk/password/reset_subject.txt"
    email_template_name = "servicedesk/password/reset_email.txt"
    success_url = reverse_lazy("password_reset_done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "client_address": client_address(self.request) or "unknown"}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.limited:
            response.status_code = 429
        return response


urlpatterns = [
    path("", ResetRequestView.as_view(), name="password_reset"),
    path("sent/", auth_views.PasswordResetDoneView.as_view(template_name="servicedesk/password/reset_done.html"),
         name="password_reset_done"),
    path("<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="servicedesk/password/reset_confirm.html", success_url=reverse_lazy("password_reset_complete")),
        name="password_reset_confirm"),
    path("done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="servicedesk/password/reset_complete.html"), name="password_reset_complete"),
]


def send_password_link(user, *, subject_template: str = ResetRequestView.subject_template_name,
                       body_template: str = ResetRequestView.email_template_name) -> None:
    """Mail `user` a set-your-password link, as the reset form does (the same token, expiry and page; the
    person's language): a reset link, or with other templates an invitation to a new account."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    context = {"user": user, "uid": urlsafe_base64_encode(force_bytes(user.pk)),
               "token": default_token_generator.make_token(user)}
    ResetRequestForm().send_mail(subject_template, body_template, context, None, user.email)

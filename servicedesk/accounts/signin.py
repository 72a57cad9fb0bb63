"""Sign-in lockout: django-axes, as the desk configures it.

Failures on /login/ and /admin/login/ are counted per user name (from any address) and per address
(for any user names), each against its own limit (settings: SERVICEDESK_LOGIN_FAILURE_LIMIT,
SERVICEDESK_LOGIN_ADDRESS_FAILURE_LIMIT) within SERVICEDESK_LOCKOUT_MINUTES. While locked, axes'
backend refuses the attempt before any password is verified, and the sign-in page says why, in the
user's language, with status 429. A successful sign-in clears its user name's failures.
"""

import logging

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_lockout_parameters
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

log = logging.getLogger(__name__)


def lockout_message() -> str:
    minutes = settings.SERVICEDESK_LOCKOUT_MINUTES
    if minutes <= 0:
        return _("Too many failed sign-ins for this user name or from this address: signing in is locked "
                 "until the service desk unlocks it.")
    return ngettext(
        "Too many failed sign-ins for this user name or from this address: signing in is locked for "
        "%(minutes)d minute. Try again later, or ask the service desk to unlock it.",
        "Too many failed sign-ins for this user name or from this address: signing in is locked for "
        "%(minutes)d minutes. Try again later, or ask the service desk to unlock it.",
        minutes,
    ) % {"minutes": minutes}


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler (shared by every process, on SQLite and PostgreSQL) with a limit per
    lockout parameter: an address shared by a whole office gets more room than one user name."""

    def get_failures(self, request, credentials=None) -> int:
        # Axes compares this number with AXES_FAILURE_LIMIT (the user-name limit): an address at its own
        # limit reports that limit, one under it stays under it.
        limit = settings.SERVICEDESK_LOGIN_FAILURE_LIMIT
        worst = 0
        parameters = get_lockout_parameters(request, credentials)
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            own_limit = settings.SERVICEDESK_LOGIN_ADDRESS_FAILURE_LIMIT if parameter == "ip_address" else limit
            if failures >= own_limit:
                return limit
            worst = max(worst, min(failures, limit - 1))
        return worst

    def reset_user_attempts(self, request, credentials=None) -> int:
        # Only the signed-in user name's failures: clearing the address's too would let someone with an
        # account of their own reset the count of guesses at others' passwords from that address.
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_response(request, original_response, credentials):
    """The sign-in page the view rendered, its form already carrying the lockout message (see
    LockoutMessageMixin), answered with 429."""
    original_response.status_code = settings.AXES_HTTP_RESPONSE_CODE
    return original_response


class LockoutMessageMixin:
    def get_invalid_login_error(self):
        if getattr(self.request, "axes_locked_out", False):
            return forms.ValidationError(lockout_message(), code="locked_out")
        return super().get_invalid_login_error()


class SignInForm(LockoutMessageMixin, AuthenticationForm):
    pass


class AdminSignInForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass


@receiver(user_locked_out)
def log_lockout(sender, request, username, ip_address, **kwargs):
    if getattr(request, "axes_failures_since_start", None) is None:
        log.info("Sign-in refused while locked: user name %r, address %s, %s", username, ip_address,
                 request.path)
    else:
        log.warning("Sign-in locked after %s failures: user name %r, address %s, %s",
                    request.axes_failures_since_start, username, ip_address, request.path)

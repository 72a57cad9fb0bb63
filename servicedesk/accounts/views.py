"""Screens of one's own access: API tokens (on the preferences page) and the password change."""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from servicedesk.core import audit
from servicedesk.core.errors import ActionError
from servicedesk.core.views import preferences_form

from . import actions
from .models import ApiToken

EXPIRY_CHOICES = [
    ("", gettext_lazy("Does not expire")),
    ("7", gettext_lazy("In 7 days")),
    ("30", gettext_lazy("In 30 days")),
    ("90", gettext_lazy("In 90 days")),
    ("365", gettext_lazy("In a year")),
]


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           help_text=gettext_lazy('What it is for, e.g. "reporting script".'))
    expires = forms.TypedChoiceField(label=gettext_lazy("Expires"), choices=EXPIRY_CHOICES, required=False,
                                     coerce=int, empty_value=None)


def _channel(user) -> str:
    # The preferences page is reached from the portal by customers and from the console by staff.
    return audit.Channel.PORTAL if user.is_customer else audit.Channel.CONSOLE


def _preferences_page(request, *, token_form=None, new_token="", status=200):
    return render(request, "servicedesk/preferences.html", {
        "form": preferences_form(request.user),
        "token_form": token_form or TokenForm(auto_id="token_%s"),
        "new_token": new_token,
    }, status=status)


@login_required
@require_POST
def create_token(request):
    """Issue a token and show it on the preferences page, once: it is never stored, nor put in a
    redirect or a message, where it would travel again."""
    form = TokenForm(request.POST, auto_id="token_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            expires_at = actions.expiry_in_days(data["expires"]) if data["expires"] else None
            _token, raw = actions.issue_token(request.user, name=data["name"], expires_at=expires_at,
                                              actor=request.user, channel=_channel(request.user))
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            return _preferences_page(request, new_token=raw)
    return _preferences_page(request, token_form=form, status=400)


@login_required
@require_POST
def revoke_token(request, token_id: int):
    token = ApiToken.objects.select_related("user").filter(pk=token_id, user=request.user).first()
    if token is None:
        raise Http404
    actions.revoke_token(token, actor=request.user, channel=_channel(request.user))
    messages.success(request, _("The API token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect(reverse("preferences") + "#api-tokens")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing one's password also revokes one's API tokens: whoever knew the old password may have
    made one."""

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            count = actions.revoke_all_tokens(self.request.user, actor=self.request.user,
                                              channel=_channel(self.request.user),
                                              reason=_("Password changed by its owner."))
        if count:
            messages.warning(self.request, ngettext(
                "Your %(count)d API token was revoked: create a new one on the preferences page if you need it.",
                "Your %(count)d API tokens were revoked: create new ones on the preferences page if you need them.",
                count,
            ) % {"count": count})
        return response

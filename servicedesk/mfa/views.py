"""The Security screens (/security/): a person's second factors, enrolling an authenticator app or a passkey,
recovery codes, the verify step after sign-in, and an administrator's reset of someone's factors. Thin: the
actions decide; the WebAuthn ceremonies answer JSON to static/mfa/passkeys.js."""

import base64
import io
import logging

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from webauthn.helpers.exceptions import WebAuthnException

from servicedesk.accounts.models import Role, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotFound

from . import actions, passkeys, session
from .models import Passkey, TotpDevice

log = logging.getLogger(__name__)

PENDING_SECRET = "sd_mfa_totp_secret"


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=20,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}))


class ResetForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)


def _channel(user) -> str:
    return audit.Channel.CONSOLE if user.is_desk_staff else audit.Channel.PORTAL


def _safe(request, target) -> str:
    ok = isinstance(target, str) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if ok else "/"


def _next(request) -> str:
    return _safe(request, request.POST.get("next") or request.GET.get("next") or "/")


def _qr_data_uri(text: str) -> str:
    # An image in a data: URI, which the desk's CSP allows; an inline <svg> would be as good, an inline
    # script drawing it would not.
    out = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2).save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def _show_codes(request, codes):
    return render(request, "mfa/recovery_codes.html", {"codes": codes})


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"message": message}, status=status)


@login_required
def security(request):
    user = request.user
    return render(request, "mfa/security.html", {
        "totp": TotpDevice.objects.filter(user=user).first(),
        "passkeys": Passkey.objects.filter(user=user).order_by("created_at"),
        "codes_left": actions.recovery_codes_left(user),
        "required": actions.is_required(user),
        "reset_form": ResetForm() if user.role == Role.ADMIN else None,
    })


@login_required
def enrol(request):
    """Where a person who must have a second factor and has none is sent after signing in."""
    return render(request, "mfa/enrol.html")


@login_required
def enrol_totp(request):
    user = request.user
    secret = request.session.get(PENDING_SECRET) or actions.new_totp_secret()
    request.session[PENDING_SECRET] = secret
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.enrol_totp(user, secret=secret, code=form.cleaned_data["code"], actor=user,
                               channel=_channel(user))
        except ActionError as exc:
            form.add_error("code", exc.message)
            status = exc.status_code
        else:
            del request.session[PENDING_SECRET]
            session.mark_verified(request)
            if not actions.recovery_codes_left(user):
                return _show_codes(request, actions.generate_recovery_codes(user, actor=user,
                                                                            channel=_channel(user)))
            messages.success(request, _("Your authenticator app is added."))
            return redirect("mfa:security")
    uri = actions.totp_uri(user, secret)
    return render(request, "mfa/enrol_totp.html", {"form": form, "secret": secret, "qr": _qr_data_uri(uri)},
                  status=status)


@login_required
@require_POST
def remove_totp(request):
    try:
        actions.remove_totp(request.user, actor=request.user, channel=_channel(request.user))
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your authenticator app is removed."))
    return redirect("mfa:security")


@login_required
def enrol_passkey(request):
    return render(request, "mfa/enrol_passkey.html")


@login_required
@require_POST
def passkey_options(request):
    return HttpResponse(passkeys.registration_options(request), content_type="application/json")


@login_required
@require_POST
def passkey_register(request):
    body = passkeys.parse(request)
    if body is None or not isinstance(body.get("credential"), dict):
        return _json_error(_("The request is malformed."))
    try:
        verified = passkeys.verify_registration(request, body["credential"])
    except (WebAuthnException, ValueError) as exc:
        log.info("Passkey registration of %s refused: %s", request.user.username, exc)
        return _json_error(_("The passkey could not be registered."))
    user = request.user
    try:
        actions.register_passkey(user, name=str(body.get("name") or ""), credential_id=verified.credential_id,
                                 public_key=verified.credential_public_key, sign_count=verified.sign_count,
                                 actor=user, channel=_channel(user))
    except ActionError as exc:
        return _json_error(exc.message, exc.status_code)
    session.mark_verified(request)
    messages.success(request, _("Your passkey is added."))
    return JsonResponse({"next": reverse("mfa:security")})


@login_required
@require_POST
def remove_passkey(request, passkey_id):
    try:
        actions.remove_passkey(request.user, passkey_id, actor=request.user, channel=_channel(request.user))
    except NotFound as exc:
        raise Http404(exc.message) from None
    messages.success(request, _("The passkey is removed."))
    return redirect("mfa:security")


@login_required
@require_POST
def recovery_codes(request):
    user = request.user
    return _show_codes(request, actions.generate_recovery_codes(user, actor=user, channel=_channel(user)))


@login_required
def verify(request):
    user = request.user
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            used = actions.verify_code(user, form.cleaned_data["code"], channel=_channel(user))
        except ActionError as exc:
            form.add_error("code", exc.message)
            status = exc.status_code
        else:
            session.mark_verified(request)
            if used == "recovery":
                messages.warning(request, _("You used a recovery code; %(count)d are left.")
                                 % {"count": actions.recovery_codes_left(user)})
            return redirect(_next(request))
    return render(request, "mfa/verify.html", {
        "form": form, "has_totp": TotpDevice.objects.filter(user=user).exists(),
        "has_passkey": Passkey.objects.filter(user=user).exists(), "next": _next(request),
    }, status=status)


@login_required
@require_POST
def verify_passkey_options(request):
    return HttpResponse(passkeys.authentication_options(request, request.user), content_type="application/json")


@login_required
@require_POST
def verify_passkey(request):
    body = passkeys.parse(request)
    challenge = passkeys.take_authentication_challenge(request)
    if body is None or not isinstance(body.get("credential"), dict) or challenge is None:
        return _json_error(_("The request is malformed."))
    try:
        actions.verify_passkey(request.user, body["credential"], challenge=challenge,
                               rp_id=passkeys.rp_id(request), origin=passkeys.origin(request),
                               channel=_channel(request.user))
    except ActionError as exc:
        return _json_error(exc.message, exc.status_code)
    session.mark_verified(request)
    return JsonResponse({"next": _safe(request, body.get("next") or "/")})


@login_required
@require_POST
def reset(request):
    if request.user.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators may reset a person's second factors."))
    form = ResetForm(request.POST)
    if form.is_valid():
        person = User.objects.filter(username=form.cleaned_data["username"]).first()
        if person is None:
            messages.error(request, _("There is no person with that user name."))
        else:
            removed = actions.reset_devices(person, actor=request.user, channel=_channel(request.user))
            messages.success(request, _("%(name)s's second factors are reset (%(count)d removed).")
                             % {"name": person.display_name, "count": removed})
    return redirect("mfa:security")

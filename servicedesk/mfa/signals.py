from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .session import SIGNED_IN_WITH, STATE


@receiver(user_logged_in, dispatch_uid="mfa.signed_in")
def signed_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    # The password form says nothing of itself; other sign-ins set their own (IDENTITY.md §5).
    request.session.setdefault(SIGNED_IN_WITH, "password")
    request.session.pop(STATE, None)

"""How the session signed in (IDENTITY.md §5): "ldap" when the directory's backend let the person in."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

BACKEND = "servicedesk.directory.backend.DirectoryBackend"


@receiver(user_logged_in)
def remember_directory_sign_in(sender, request, user, **kwargs):
    if request is not None and getattr(user, "backend", "") == BACKEND:
        request.session["sd_signed_in_with"] = "ldap"

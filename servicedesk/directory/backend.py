"""Sign-in with the directory's password, through the desk's own sign-in form: an authentication backend
after the desk's (settings.AUTHENTICATION_BACKENDS, when SERVICEDESK_LDAP_URI is set), so the desk's own
accounts sign in first, and still do while the directory is down.

A wrong password and an unreachable directory both end in no user: the form shows its one sign-in error and
axes counts the failure. An unreachable directory is logged.
"""

from __future__ import annotations

import logging

from django.contrib.auth.backends import BaseBackend

from servicedesk.accounts.models import User

from . import actions
from . import config as directory_config
from .client import Directory, DirectoryUnavailable

log = logging.getLogger(__name__)


class DirectoryBackend(BaseBackend):
    def authenticate(self, request, username=None, password=None, **kwargs) -> User | None:
        try:
            config = directory_config.load()
        except ValueError as exc:  # `servicedesk check` names it too; the desk's own accounts still sign in
            log.error("Directory sign-in is off: %s", exc)
            return None
        if config is None or not username or not password:
            return None
        try:
            with Directory(config) as directory:
                person = directory.find(username)
                if person is None or not directory.check_password(person, password):
                    return None
        except DirectoryUnavailable as exc:
            log.warning("Directory sign-in of %r: the directory could not be reached: %s", username, exc)
            return None
        if person.disabled:
            return None
        return actions.sign_in(person)

    def get_user(self, user_id) -> User | None:
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active and not user.is_system_identity else None

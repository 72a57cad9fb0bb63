"""The session engine on the database (settings.SESSION_ENGINE without a shared cache): Django's, with the
session's row read by a statement built once (`core.rows.select`) instead of a queryset compiled on every
signed-in request (~0.3 ms of CPU a request, measured in bench/README.md, `bench.peer`)."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from . import rows


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        using = router.db_for_read(model)
        connection = connections[using]
        quote = connection.ops.quote_name
        found = rows.select(
            model, f"{quote('session_key')} = %s AND {quote('expire_date')} > %s",
            [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())], using=using)
        if found:
            return found[0]
        self._session_key = None  # as Django's: an unknown or expired key starts a new session
        return None

"""The account events kept before the one audit trail are copied into it, as events on the person's account."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("accounts", "0005_system_identity")]
AFTER = [("accounts", "0007_remove_accountevent")]


@pytest.mark.django_db(transaction=True)
def test_account_events_are_copied_into_the_audit_trail():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User, ApiToken = old.get_model("accounts", "User"), old.get_model("accounts", "ApiToken")
    AccountEvent = old.get_model("accounts", "AccountEvent")
    person = User.objects.create(username="li.wei")
    boss = User.objects.create(username="boss")
    system = User.objects.get(username="system")  # made by 0005: the author of what nobody signed for
    token = ApiToken.objects.create(user=person, name="cron", prefix="sd_abc12", key_hash="x" * 64)
    at = timezone.now() - datetime.timedelta(days=3)
    AccountEvent.objects.create(user=person, actor=boss, kind="token_issued", token=token, note="cron", at=at)
    AccountEvent.objects.create(user=person, actor=None, kind="sign_in_unlocked", note="3 failed sign-ins cleared")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    from servicedesk.accounts.models import User as CurrentUser
    from servicedesk.core import audit

    trail = list(audit.trail(CurrentUser.objects.get(username="li.wei")).order_by("id"))
    assert [(e.action, e.actor_id, e.actor_name, e.note, e.object_repr) for e in trail] == [
        ("token_issued", boss.pk, "boss", "sd_abc12… cron", "li.wei"),
        ("sign_in_unlocked", system.pk, "system", "3 failed sign-ins cleared", "li.wei"),
    ]
    assert trail[0].at == at
    assert "accounts_accountevent" not in connection.introspection.table_names()
    # Going back to BEFORE unapplied every app depending on accounts (knowledge, search …): put the whole
    # schema back, or the tests after this one find tables missing.
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert "knowledge_article" in connection.introspection.table_names()

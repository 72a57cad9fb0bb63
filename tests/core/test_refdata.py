"""Cached reference lists follow every change to the tables they come from."""

from django.utils import translation

from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.core import refdata
from servicedesk.tickets import refdata as tickets_refdata
from servicedesk.tickets.models import Category, PriorityRule, Transition


def test_lists_are_cached_until_a_change(desk, django_assert_num_queries):
    accounts_refdata.active_groups(), accounts_refdata.staff(), tickets_refdata.transitions()
    with django_assert_num_queries(0):
        assert {g.name for g in accounts_refdata.active_groups()} >= {"Hardware supplier"}
        assert any(username == "agent1" for _pk, username, _name in accounts_refdata.staff())
        tickets_refdata.transitions()


def test_group_members_follow_membership(desk):
    group = desk.supplier
    before = {u.username for u in accounts_refdata.group_members(group.pk)}
    assert "agent1" not in before
    group.members.add(desk.agent1)
    assert "agent1" in {u.username for u in accounts_refdata.group_members(group.pk)}
    desk.agent1.is_active = False
    desk.agent1.save()
    assert "agent1" not in {u.username for u in accounts_refdata.group_members(group.pk)}


def test_categories_per_language_and_after_a_rename(desk):
    category = Category.objects.get(name="Printer fault")
    with translation.override("en"):
        assert any(label.endswith("Printer fault") for _pk, label in tickets_refdata.category_choices())
    with translation.override("zh-hans"):
        labels = dict(tickets_refdata.category_choices())
        assert labels[category.pk].endswith(category.name_zh or category.name)
    category.name = "Printer broken"
    category.save()
    with translation.override("en"):
        assert dict(tickets_refdata.category_choices())[category.pk].endswith("Printer broken")


def test_matrix_and_transitions_follow_the_admin(desk):
    rule = PriorityRule.objects.get(impact=3, urgency=3)
    rule.priority = 1
    rule.save()
    assert tickets_refdata.priority_matrix()[(3, 3)] == 1
    Transition.objects.filter(action="acknowledge").delete()
    assert "acknowledge" not in {t.action for t in tickets_refdata.transitions()}


def test_signing_in_does_not_invalidate(client, desk):
    version = refdata.version()
    client.force_login(desk.agent1)
    client.post("/login/", {"username": "agent2", "password": "demo-pass-123"})
    assert refdata.version() == version


def test_a_change_committed_elsewhere_applies_to_the_next_write_at_once(desk):
    """Another process's change (its own cache not ours, so only the database's version moves) is seen by
    the next ticket: the writes' entries are keyed by the version stored in the database."""
    from django.db import connection

    from servicedesk.tickets import actions

    assert actions.priority_for(3, 3) == 5
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tickets_priorityrule SET priority = 1 WHERE impact = 3 AND urgency = 3")
        cursor.execute(refdata._BUMP_SQL)
    local = refdata.version()
    assert actions.priority_for(3, 3) == 1
    assert refdata.version() == local


def test_the_stored_version_moves_with_the_change_and_its_transaction(desk):
    from django.db import transaction

    before = refdata.stored_version()
    rule = PriorityRule.objects.get(impact=3, urgency=3)
    rule.priority = 4
    rule.save()
    assert refdata.stored_version() == before + 1
    try:
        with transaction.atomic():
            rule.save()
            assert refdata.stored_version() == before + 2
            raise RuntimeError
    except RuntimeError:
        pass
    assert refdata.stored_version() == before + 1


def test_a_new_customer_invalidates_nothing_a_new_agent_does(desk):
    from servicedesk.accounts.models import Role, User

    version, stored = refdata.version(), refdata.stored_version()
    User.objects.create(username="new-customer", email="new@example.com", role=Role.CUSTOMER)
    assert (refdata.version(), refdata.stored_version()) == (version, stored)
    User.objects.create(username="new-agent", email="agent@example.com", role=Role.AGENT)
    assert refdata.version() > version and refdata.stored_version() > stored


def test_one_version_reads_the_database_once_and_again_after_a_change_inside(desk, django_assert_num_queries):
    from django.db import connection, transaction

    with transaction.atomic(), refdata.one_version():
        with django_assert_num_queries(1):
            first = refdata.stored_version()
            assert refdata.stored_version() == first
        # Another process's commit is not looked for inside (one transaction, one version) ...
        with connection.cursor() as cursor:
            cursor.execute(refdata._BUMP_SQL)
        assert refdata.stored_version() == first
        # ... but a change made here is: the next use reads the new version.
        rule = PriorityRule.objects.get(impact=3, urgency=3)
        rule.save()
        assert refdata.stored_version() == first + 2
    with django_assert_num_queries(2):
        assert refdata.stored_version() == first + 2
        refdata.stored_version()


def test_a_rolled_back_change_leaves_nothing_kept_under_its_version(desk):
    """A change rolled back leaves its version number free; another process's next change takes the same
    number with other data, and the writes must see that data, not what was read in the rolled-back one."""
    from django.db import connection, transaction

    from servicedesk.tickets import actions

    before = refdata.stored_version()
    try:
        with transaction.atomic():
            rule = PriorityRule.objects.get(impact=3, urgency=3)
            rule.priority = 2
            rule.save()
            assert actions.priority_for(3, 3) == 2
            raise RuntimeError
    except RuntimeError:
        pass
    assert refdata.stored_version() == before
    with connection.cursor() as cursor:  # another process: no signals here, only its committed rows
        cursor.execute("UPDATE tickets_priorityrule SET priority = 1 WHERE impact = 3 AND urgency = 3")
        cursor.execute(refdata._BUMP_SQL)
    assert refdata.stored_version() == before + 1
    assert actions.priority_for(3, 3) == 1
    assert actions.priority_for(3, 3) == 1


def test_one_version_reads_again_after_its_own_change_is_rolled_back(desk):
    from django.db import transaction

    with transaction.atomic(), refdata.one_version():
        first = refdata.stored_version()
        try:
            with transaction.atomic():
                PriorityRule.objects.get(impact=3, urgency=3).save()
                assert refdata.stored_version() == first + 1
                raise RuntimeError
        except RuntimeError:
            pass
        assert refdata.stored_version() == first

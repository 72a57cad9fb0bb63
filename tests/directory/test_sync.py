"""The scheduled sync of people from a real OpenLDAP server: accounts made and kept in line (name, mail,
phone, department, organisation, manager, role, resolver groups), each change in the audit trail; a person
disabled or removed in the directory deactivated and reactivated when back; idempotent and paged."""

import io

import pytest
from django.core.management import CommandError, call_command
from ldap3 import Connection, Server

from servicedesk.accounts.models import ApiToken, Role, User
from servicedesk.core import audit
from servicedesk.core.models import AuditEntry
from servicedesk.core.scheduler import Scheduler
from servicedesk.directory import actions
from servicedesk.directory.models import DirectoryLink, SyncRun
from tests.directory import slapd
from tests.services import free_port


def sync_command() -> str:
    out = io.StringIO()
    call_command("sync-directory", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_sync_reads_everyone_in_pages_and_a_second_run_changes_nothing(desk, directory, settings):
    settings.SERVICEDESK_LDAP_RESOLVER_GROUPS += "; desk-managers=A group the desk does not have"
    for n in range(4):
        directory.add_person(f"person{n}", givenName=f"Person {n}", mail=f"person{n}@example.org")
    # The server returns at most SIZE_LIMIT entries to one search: six people need pages.
    reader = Connection(Server(directory.uri), slapd.READER_DN, slapd.READER_PASSWORD, auto_bind=True)
    reader.search(slapd.PEOPLE, "(objectClass=person)")
    assert reader.result["description"] == "sizeLimitExceeded"

    out = sync_command()
    assert "Directory synced: 6 created, 0 updated, 0 deactivated, 0 reactivated, 0 unchanged." in out
    assert "6/6 people" in out
    assert DirectoryLink.objects.count() == 6
    zhangwei = User.objects.get(username="zhangwei")
    assert zhangwei.manager == User.objects.get(username="liming")  # read after the manager was made
    assert zhangwei.role == Role.AGENT and zhangwei.display_name == "张伟"
    trail_size = AuditEntry.objects.count()

    out = sync_command()
    assert "Directory synced: 0 created, 0 updated, 0 deactivated, 0 reactivated, 6 unchanged." in out
    assert AuditEntry.objects.count() == trail_size
    run = SyncRun.objects.first()
    assert run.succeeded and run.unchanged == 6 and run.finished_at


def test_a_change_in_the_directory_is_synced_field_by_field(desk, directory, settings):
    settings.SERVICEDESK_LDAP_ROLE_GROUPS += "; desk-leads=lead"
    settings.SERVICEDESK_LDAP_RESOLVER_GROUPS += "; desk-network=Network and Infrastructure (2nd line)"
    dn = directory.add_person("chenjing", sn="陈", givenName="静", telephoneNumber="+86 21 5555 0100",
                              department="财务部")
    directory.add_group("desk-agents-2", [dn])  # not mapped: nothing to the desk
    network = directory.add_group("desk-network", [dn])
    actions.sync()
    user = User.objects.get(username="chenjing")
    assert (user.role, user.phone, user.department) == (Role.CUSTOMER, "+86 21 5555 0100", "财务部")
    assert list(user.member_of.values_list("name", flat=True)) == ["Network and Infrastructure (2nd line)"]

    directory.replace(dn, telephoneNumber="+86 21 5555 0199", department="信息技术部")
    directory.add_group("desk-leads", [dn])
    directory.replace(network, member=[f"uid=liming,ou=Beijing,{slapd.PEOPLE}"])  # chenjing leaves it
    run = actions.sync()
    assert (run.updated, run.created) == (2, 0)  # liming joined desk-network
    user.refresh_from_db()
    assert (user.role, user.phone, user.department) == (Role.LEAD, "+86 21 5555 0199", "信息技术部")
    assert not user.member_of.exists()
    changes = {e.field: (e.old_value, e.new_value, e.channel, e.actor_name)
               for e in audit.trail(user).filter(action="changed")}
    assert changes["phone"][:3] == ("+86 21 5555 0100", "+86 21 5555 0199", "directory")
    assert changes["department"][:2] == ("财务部", "信息技术部")
    assert changes["role"][:2] == ("Customer", "Group lead")
    groups = audit.trail(user).filter(action="directory_groups").first()  # the newest
    assert (groups.old_value, groups.new_value) == ("Network and Infrastructure (2nd line)", "")


def test_disabled_or_removed_in_the_directory_deactivates_and_back_reactivates(desk, directory, settings):
    dn = directory.add_person("zhaolei", sn="赵", givenName="磊")
    gone = directory.add_person("sunli")
    actions.sync()
    zhaolei, sunli = User.objects.get(username="zhaolei"), User.objects.get(username="sunli")
    ApiToken.issue(zhaolei)

    directory.replace(dn, userAccountControl="514")  # Active Directory's ACCOUNTDISABLE bit
    directory.delete(gone)
    run = actions.sync()
    assert run.deactivated == 2
    zhaolei.refresh_from_db(), sunli.refresh_from_db()
    assert not zhaolei.is_active and not sunli.is_active
    assert not ApiToken.objects.filter(user=zhaolei, revoked=False).exists()
    deactivated = audit.trail(zhaolei).get(action="deactivated")
    assert deactivated.channel == "directory" and "disabled in the directory" in deactivated.note
    assert "no longer in the directory" in audit.trail(sunli).get(action="deactivated").note

    directory.replace(dn, userAccountControl="512")
    run = actions.sync()
    assert (run.reactivated, run.deactivated) == (1, 0)
    zhaolei.refresh_from_db()
    assert zhaolei.is_active
    assert audit.trail(zhaolei).filter(action="reactivated", channel="directory").exists()


def test_an_account_an_administrator_deactivated_stays_so(desk, directory):
    from servicedesk.accounts.actions import deactivate_user

    actions.sync()
    liming = User.objects.get(username="liming")
    deactivate_user(liming, actor=desk.admin, channel="admin")
    run = actions.sync()
    liming.refresh_from_db()
    assert not liming.is_active and run.reactivated == 0


def test_a_directory_that_cannot_be_read_changes_nothing(desk, directory, settings):
    actions.sync()
    settings.SERVICEDESK_LDAP_URI = f"ldap://127.0.0.1:{free_port()}"
    with pytest.raises(CommandError, match="nothing was changed"):
        sync_command()
    run = SyncRun.objects.first()
    assert not run.succeeded and "could not be read" in run.errors
    assert User.objects.get(username="zhangwei").is_active


def test_a_search_that_finds_nobody_deactivates_nobody(desk, directory, settings):
    actions.sync()
    settings.SERVICEDESK_LDAP_USER_FILTER = "(objectClass=nobodyHasThis)"
    run = actions.sync()
    assert run.deactivated == 0 and "nobody was deactivated" in run.errors
    assert User.objects.get(username="zhangwei").is_active


def test_the_organisation_from_the_ou_and_the_scheduler_runs_the_sync(desk, directory, settings):
    settings.SERVICEDESK_LDAP_ATTRIBUTES = "organisation=ou"
    Scheduler({"directory-sync": {"task": "servicedesk.directory.tasks.sync", "every": 60}}).run_due()
    assert SyncRun.objects.get().created == 2
    assert User.objects.get(username="zhangwei").organisation.name == "Beijing"

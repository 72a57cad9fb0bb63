"""Sign-in with the directory's password through the desk's own form, against a real OpenLDAP server: the
account made at the first sign-in (just in time) with its role and resolver groups from the mapping, the
session's sign-in method, and the one sign-in error for a wrong password and for a directory that is down."""

from axes.models import AccessAttempt
from django.test import Client

from servicedesk.accounts.models import Role, User
from servicedesk.core import audit
from servicedesk.directory.backend import DirectoryBackend
from servicedesk.directory.models import DirectoryLink
from tests.directory import slapd
from tests.services import free_port

WRONG = "Please enter a correct username and password"


def sign_in(username: str, password: str = slapd.PASSWORD) -> Client:
    client = Client()
    client.response = client.post("/login/", {"username": username, "password": password})
    return client


def test_first_sign_in_makes_the_account_from_the_directory(desk, directory):
    client = sign_in("zhangwei")
    assert client.response.status_code == 302
    user = User.objects.get(username="zhangwei")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["sd_signed_in_with"] == "ldap"
    assert (user.display_name, user.email, user.phone, user.department, user.organisation.name) == (
        "张伟", "zhangwei@example.org", "+86 10 5555 0101", "信息技术部", "Example Beijing")
    assert user.role == Role.AGENT  # desk-agents=agent
    assert list(user.member_of.values_list("name", flat=True)) == ["Service Desk (1st line)"]
    assert not user.has_usable_password()  # the directory checks the password, never the desk
    link = DirectoryLink.objects.get(user=user)
    assert link.dn == f"uid=zhangwei,ou=Beijing,{slapd.PEOPLE}" and link.guid  # entryUUID
    created = audit.trail(user).get(action="created", field="role")
    assert (created.channel, created.actor.username, created.new_value) == ("directory", "system", "Agent")
    assert client.get("/console/queues/mine/").status_code == 200


def test_the_strongest_mapped_group_gives_the_role_and_the_manager_is_linked(desk, directory, settings):
    directory.add_group("desk-managers-too", [f"uid=zhangwei,ou=Beijing,{slapd.PEOPLE}"])
    sign_in("liming")
    liming = User.objects.get(username="liming")
    assert liming.role == Role.MANAGER and liming.display_name == "李明"
    # Both desk-agents (agent) and, by a second mapping, desk-managers-too (manager): the stronger wins.
    settings.SERVICEDESK_LDAP_ROLE_GROUPS += "; desk-managers-too=manager"
    sign_in("zhangwei")
    zhangwei = User.objects.get(username="zhangwei")
    assert zhangwei.role == Role.MANAGER
    assert zhangwei.manager == liming


def test_a_wrong_password_is_the_usual_error_and_counted(desk, directory):
    client = sign_in("zhangwei", "not-the-password")
    assert client.response.status_code == 200
    assert WRONG in client.response.content.decode()
    assert not User.objects.filter(username="zhangwei").exists()
    assert AccessAttempt.objects.get(username="zhangwei").failures_since_start == 1
    # Searched by the filter's escaping, a wildcard is a name nobody has, not everyone.
    assert WRONG in sign_in("*", slapd.PASSWORD).response.content.decode()
    # An empty password would be an anonymous bind, which the directory accepts for any DN.
    assert DirectoryBackend().authenticate(None, username="zhangwei", password="") is None


def test_a_directory_that_is_down_is_the_same_error_and_local_accounts_still_sign_in(desk, directory, settings):
    settings.SERVICEDESK_LDAP_URI = f"ldap://127.0.0.1:{free_port()}"  # nothing listens there
    client = sign_in("zhangwei")
    assert client.response.status_code == 200 and WRONG in client.response.content.decode()
    assert AccessAttempt.objects.get(username="zhangwei").failures_since_start == 1
    local = sign_in("agent1", "demo-pass-123")
    assert local.response.status_code == 302 and local.session["_auth_user_id"] == str(desk.agent1.pk)
    assert "sd_signed_in_with" not in local.session or local.session["sd_signed_in_with"] != "ldap"


def test_a_person_disabled_in_active_directory_does_not_sign_in(desk, directory, settings):
    settings.SERVICEDESK_LDAP_USERNAME_ATTRIBUTE = "sAMAccountName"
    directory.add_person("wangfang", userAccountControl="514", sn="王", givenName="芳")  # 512 | ACCOUNTDISABLE
    assert WRONG in sign_in("wangfang").response.content.decode()
    assert not User.objects.filter(username="wangfang").exists()


def test_a_directory_name_taken_by_a_desk_account_does_not_sign_in_as_it(desk, directory):
    directory.add_person("agent1")
    client = sign_in("agent1", slapd.PASSWORD)
    assert WRONG in client.response.content.decode()
    desk.agent1.refresh_from_db()
    assert not DirectoryLink.objects.exists() and desk.agent1.has_usable_password()


def test_without_a_directory_uri_the_backend_does_nothing(desk, directory, settings):
    settings.SERVICEDESK_LDAP_URI = ""
    assert WRONG in sign_in("zhangwei").response.content.decode()
    assert not User.objects.filter(username="zhangwei").exists()

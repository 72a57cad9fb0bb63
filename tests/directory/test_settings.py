"""The directory's settings: a mapping the desk cannot read is named by `servicedesk check` and turns the
directory's sign-in off (the desk's own accounts still sign in); the directory link in the personal data."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from servicedesk.accounts.models import User
from servicedesk.directory.config import parse_pairs
from servicedesk.people.registry import registered
from tests.directory import slapd


def test_a_mapping_the_desk_cannot_read_is_named_and_local_accounts_still_sign_in(desk, directory, settings):
    settings.SERVICEDESK_LDAP_ROLE_GROUPS = "desk-agents=boss"
    with pytest.raises(SystemCheckError, match="unknown roles"):
        call_command("check")
    assert Client().post("/login/", {"username": "zhangwei", "password": slapd.PASSWORD}).status_code == 200
    assert Client().post("/login/", {"username": "agent1", "password": "demo-pass-123"}).status_code == 302


def test_a_pair_splits_at_its_first_equals_sign():
    assert parse_pairs("cn=IT,ou=groups=admin; b = agent ;") == {"cn": "IT,ou=groups=admin", "b": "agent"}
    with pytest.raises(ValueError, match="not a key=value pair"):
        parse_pairs("admins")


def test_the_directory_link_is_in_the_personal_data_export_and_erased(desk, directory):
    Client().post("/login/", {"username": "zhangwei", "password": slapd.PASSWORD})
    user = User.objects.get(username="zhangwei")
    part = next(data for data in registered() if data.label == "directory")
    assert part.export(user)["dn"] == f"uid=zhangwei,ou=Beijing,{slapd.PEOPLE}"
    part.erase(user)
    assert part.export(user) == {}

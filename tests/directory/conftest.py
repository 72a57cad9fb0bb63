"""The directory's tests run against a real OpenLDAP server, one per test session (tests/directory/slapd.py);
each test adds its own people and groups, removed after it."""

import pytest

from tests.directory import slapd


@pytest.fixture(scope="session")
def ldap_server():
    server = slapd.start()
    yield server
    slapd.stop(server)


@pytest.fixture
def directory(ldap_server, settings):
    """The desk configured for the test server (as SERVICEDESK_LDAP_* would), with its sign-in backend."""
    settings.SERVICEDESK_LDAP_URI = ldap_server.uri
    settings.SERVICEDESK_LDAP_BIND_DN = slapd.READER_DN
    settings.SERVICEDESK_LDAP_BIND_PASSWORD = slapd.READER_PASSWORD
    settings.SERVICEDESK_LDAP_USER_BASE = slapd.PEOPLE
    settings.SERVICEDESK_LDAP_GROUP_BASE = slapd.GROUPS
    settings.SERVICEDESK_LDAP_ATTRIBUTES = "organisation=o"
    settings.SERVICEDESK_LDAP_ROLE_GROUPS = "desk-agents=agent; desk-managers=manager"
    settings.SERVICEDESK_LDAP_RESOLVER_GROUPS = "desk-agents=Service Desk (1st line)"
    settings.SERVICEDESK_LDAP_PAGE_SIZE = 2
    settings.SERVICEDESK_LDAP_TIMEOUT_SECONDS = 2
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS,
                                        "servicedesk.directory.backend.DirectoryBackend"]
    yield ldap_server
    ldap_server.clean()

"""Talking to the directory (ldap3, pure Python: no C library to build): find a person, check a password,
read everyone under the user base a page at a time, and the groups.

Every failure to reach or read the directory is a DirectoryUnavailable; a wrong password is not a failure,
just no person.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field

from ldap3 import NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import parse_dn

from .config import OU, DirectoryConfig

# Active Directory's userAccountControl bit for a disabled account (ACCOUNTDISABLE).
ACCOUNT_DISABLED = 0x2


class DirectoryUnavailable(Exception):
    """The directory could not be reached or answered with an error."""


@dataclass
class Person:
    """One person as the directory describes them, in the desk's field names."""

    dn: str
    username: str
    guid: str = ""
    values: dict[str, str] = field(default_factory=dict)
    manager_dn: str = ""
    disabled: bool = False
    groups: set[str] = field(default_factory=set)


def _first(value) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    if value is None:
        return ""
    if isinstance(value, bytes):  # objectGUID: keep it as hex, stable across reads
        return value.hex()
    return str(value).strip()


def first_ou(dn: str) -> str:
    for attribute, value, _separator in parse_dn(dn, escape=False):
        if attribute.lower() == OU:
            return value
    return ""


def person_from(config: DirectoryConfig, dn: str, attributes: dict) -> Person:
    lowered = {name.lower(): value for name, value in attributes.items()}

    def read(name: str) -> str:
        attribute = config.attribute(name)
        return _first(lowered.get(attribute.lower())) if attribute else ""

    values = {name: read(name) for name in ("first_name", "last_name", "display_name", "email", "phone",
                                             "department")}
    organisation = config.attribute("organisation")
    values["organisation"] = first_ou(dn) if organisation.lower() == OU else read("organisation")
    flags = _first(lowered.get("useraccountcontrol"))
    return Person(
        dn=dn, username=_first(lowered.get(config.username_attribute.lower())), guid=read("guid"),
        values=values, manager_dn=read("manager"),
        disabled=bool(flags.isdigit() and int(flags) & ACCOUNT_DISABLED),
    )


def _drop(connection: Connection) -> None:
    try:
        connection.unbind()
    except LDAPException:  # a socket a failed TLS handshake already broke: nothing left to close
        pass


class Directory:
    """One connection bound as the desk's service account (or anonymously when no bind DN is set)."""

    def __init__(self, config: DirectoryConfig):
        self.config = config
        self.server = self._server()
        self.connection = self._bind(config.bind_dn, config.bind_password)
        if self.connection is None:
            raise DirectoryUnavailable("the directory refused the desk's bind DN and password")

    def _server(self) -> Server:
        tls = None
        if self.config.start_tls or self.config.uri.lower().startswith("ldaps:"):
            tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=self.config.ca_file or None)
        return Server(self.config.uri, connect_timeout=self.config.timeout, get_info=NONE, tls=tls)

    def _bind(self, dn: str, password: str) -> Connection | None:
        """A bound connection, or None when the directory refuses the credentials."""
        connection = Connection(self.server, user=dn or None, password=password or None,
                                receive_timeout=self.config.timeout, raise_exceptions=False)
        try:
            connection.open()
            # Never a password over a connection STARTTLS did not secure.
            if self.config.start_tls and not connection.start_tls():
                _drop(connection)
                raise DirectoryUnavailable(f"STARTTLS refused: {connection.result}")
            if connection.bind():
                return connection
        except LDAPException as exc:
            _drop(connection)
            raise DirectoryUnavailable(str(exc)) from exc
        _drop(connection)
        if connection.result and connection.result.get("result") == 49:  # invalidCredentials
            return None
        raise DirectoryUnavailable(f"bind refused: {connection.result}")

    def close(self) -> None:
        _drop(self.connection)

    def __enter__(self) -> Directory:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _search(self, base: str, search_filter: str, attributes: list[str]) -> Iterator[tuple[str, dict]]:
        """Every entry found, read in pages (LDAP paged results: a server's size limit, Active Directory's
        1000, applies to each page, not to the whole)."""
        try:
            for entry in self.connection.extend.standard.paged_search(
                    base, search_filter, SUBTREE, attributes=attributes, paged_size=self.config.page_size,
                    generator=True):
                if entry.get("type") == "searchResEntry":
                    yield entry["dn"], entry.get("attributes") or {}
        except LDAPException as exc:
            raise DirectoryUnavailable(str(exc)) from exc
        if self.connection.result and self.connection.result.get("result") not in (0, None):
            raise DirectoryUnavailable(f"search refused: {self.connection.result}")

    def find(self, username: str) -> Person | None:
        """The one person with this user name (a name two entries share signs in nobody)."""
        search_filter = (f"(&{self.config.user_filter}"
                         f"({self.config.username_attribute}={escape_filter_chars(username)}))")
        found = list(self._search(self.config.user_base, search_filter, self.config.wanted_attributes()))
        if len(found) != 1:
            return None
        person = person_from(self.config, *found[0])
        person.groups = self.groups_of(person.dn)
        return person

    def check_password(self, person: Person, password: str) -> bool:
        # An empty password would be an unauthenticated bind, which a directory accepts for any DN.
        if not password:
            return False
        connection = self._bind(person.dn, password)
        if connection is None:
            return False
        connection.unbind()
        return True

    def groups_of(self, dn: str) -> set[str]:
        if not self.config.group_base:
            return set()
        member = f"({self.config.group_member_attribute}={escape_filter_chars(dn)})"
        name = self.config.group_name_attribute
        return {_first(attrs.get(name)) for _dn, attrs in
                self._search(self.config.group_base, f"(&{self.config.group_filter}{member})", [name])} - {""}

    def members_by_group(self) -> dict[str, set[str]]:
        """Each member's DN (lower case) → the names of their groups."""
        found: dict[str, set[str]] = {}
        if not self.config.group_base:
            return found
        name, member = self.config.group_name_attribute, self.config.group_member_attribute
        for _dn, attrs in self._search(self.config.group_base, self.config.group_filter, [name, member]):
            group = _first(attrs.get(name))
            for dn in attrs.get(member) or []:
                found.setdefault(str(dn).lower(), set()).add(group)
        return found

    def people(self) -> Iterator[Person]:
        for dn, attrs in self._search(self.config.user_base, self.config.user_filter,
                                      self.config.wanted_attributes()):
            person = person_from(self.config, dn, attrs)
            if person.username:
                yield person

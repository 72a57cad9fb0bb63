"""The directory's settings, read from the environment (settings.py: SERVICEDESK_LDAP_*).

Off when SERVICEDESK_LDAP_URI is unset: no backend, no sync, the desk as without a directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from servicedesk.accounts.models import Role

# The desk's fields a directory attribute fills, and the attribute each takes by default (OpenLDAP's
# inetOrgPerson; Active Directory names the same ones, except its objectGUID).
DEFAULT_ATTRIBUTES = {
    "first_name": "givenName",
    "last_name": "sn",
    "display_name": "displayName",
    "email": "mail",
    "phone": "telephoneNumber",
    "department": "department",
    "organisation": "",
    "manager": "manager",
    "guid": "entryUUID",
}
# A role mapping names the role the strongest of a person's groups gives, in this order.
ROLE_RANK = [Role.CUSTOMER, Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN]
# "organisation=ou": the first OU of the person's own DN, not an attribute.
OU = "ou"


def parse_pairs(text: str, separator: str = ";") -> dict[str, str]:
    """ "a=1; b=2" → {"a": "1", "b": "2"}: keys and values stripped, the first "=" splits (a value may hold one)."""
    pairs = {}
    for item in text.split(separator):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"not a key=value pair: {item.strip()!r}")
        pairs[key.strip()] = value.strip()
    return pairs


@dataclass(frozen=True)
class DirectoryConfig:
    uri: str
    bind_dn: str = ""
    bind_password: str = ""
    start_tls: bool = False
    ca_file: str = ""
    timeout: float = 5.0
    user_base: str = ""
    user_filter: str = "(objectClass=person)"
    username_attribute: str = "uid"
    group_base: str = ""
    group_filter: str = "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))"
    group_name_attribute: str = "cn"
    group_member_attribute: str = "member"
    attributes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ATTRIBUTES))
    role_groups: dict[str, str] = field(default_factory=dict)
    resolver_groups: dict[str, str] = field(default_factory=dict)
    page_size: int = 500

    def attribute(self, name: str) -> str:
        return self.attributes.get(name, "")

    def role_for(self, group_names: set[str]) -> str:
        roles = [self.role_groups[name] for name in group_names if name in self.role_groups]
        return max(roles, key=ROLE_RANK.index, default=Role.CUSTOMER)

    def wanted_attributes(self) -> list[str]:
        # userAccountControl: Active Directory's disabled flag; a directory without it ignores the name.
        names = {value for key, value in self.attributes.items() if value and not (key == "organisation"
                                                                                     and value.lower() == OU)}
        return sorted(names | {self.username_attribute, "userAccountControl"})


def load() -> DirectoryConfig | None:
    """The configured directory, or None when SERVICEDESK_LDAP_URI is unset."""
    if not settings.SERVICEDESK_LDAP_URI:
        return None
    attributes = dict(DEFAULT_ATTRIBUTES)
    attributes.update(parse_pairs(settings.SERVICEDESK_LDAP_ATTRIBUTES, ","))
    unknown = set(attributes) - set(DEFAULT_ATTRIBUTES)
    if unknown:
        raise ValueError(f"SERVICEDESK_LDAP_ATTRIBUTES: unknown fields {sorted(unknown)}")
    roles = parse_pairs(settings.SERVICEDESK_LDAP_ROLE_GROUPS)
    bad_roles = set(roles.values()) - set(Role.values)
    if bad_roles:
        raise ValueError(f"SERVICEDESK_LDAP_ROLE_GROUPS: unknown roles {sorted(bad_roles)}")
    return DirectoryConfig(
        uri=settings.SERVICEDESK_LDAP_URI,
        bind_dn=settings.SERVICEDESK_LDAP_BIND_DN,
        bind_password=settings.SERVICEDESK_LDAP_BIND_PASSWORD,
        start_tls=settings.SERVICEDESK_LDAP_START_TLS,
        ca_file=settings.SERVICEDESK_LDAP_CA_FILE,
        timeout=settings.SERVICEDESK_LDAP_TIMEOUT_SECONDS,
        user_base=settings.SERVICEDESK_LDAP_USER_BASE,
        user_filter=settings.SERVICEDESK_LDAP_USER_FILTER,
        username_attribute=settings.SERVICEDESK_LDAP_USERNAME_ATTRIBUTE,
        group_base=settings.SERVICEDESK_LDAP_GROUP_BASE,
        group_filter=settings.SERVICEDESK_LDAP_GROUP_FILTER,
        attributes=attributes,
        role_groups=roles,
        resolver_groups=parse_pairs(settings.SERVICEDESK_LDAP_RESOLVER_GROUPS),
        page_size=settings.SERVICEDESK_LDAP_PAGE_SIZE,
    )

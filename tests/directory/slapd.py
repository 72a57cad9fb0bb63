"""A real OpenLDAP server (Debian's slapd) for the directory's tests: its own configuration, schema and database
in a temporary folder, on a free loopback port; people, groups and a manager loaded from an LDIF."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ldap3 import MODIFY_REPLACE, Connection, Server

from tests.services import free_port, require_program, wait_for_port

SUFFIX = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret"
READER_DN = f"cn=desk-reader,{SUFFIX}"
READER_PASSWORD = "reader-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
PASSWORD = "directory-pass-1"
# A search may return this many entries, as Active Directory's MaxPageSize does at 1000: more need pages.
SIZE_LIMIT = 4

# Active Directory's attributes the desk reads (userAccountControl, sAMAccountName, department), with Microsoft's
# OIDs, on an auxiliary class of our own so that inetOrgPerson entries may carry them.
SCHEMA = """
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch
  SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' EQUALITY integerMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.141 NAME 'department' EQUALITY caseIgnoreMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.4203.666.11.901 NAME 'deskDirectoryUser' SUP top AUXILIARY
  MAY ( sAMAccountName $ userAccountControl $ department ) )
"""

CONFIG = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include {folder}/ad.schema
pidfile {folder}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "{suffix}"
rootdn "{root_dn}"
rootpw {root_password}
directory {folder}/db
maxsize 20971520
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
limits dn.exact="{reader_dn}" size.soft={size_limit} size.hard={size_limit} size.prtotal=unlimited
"""

LDIF = f"""dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: {READER_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: desk-reader
userPassword: {READER_PASSWORD}

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: ou=Beijing,{PEOPLE}
objectClass: organizationalUnit
ou: Beijing

dn: {GROUPS}
objectClass: organizationalUnit
ou: groups

dn: uid=liming,ou=Beijing,{PEOPLE}
objectClass: inetOrgPerson
objectClass: deskDirectoryUser
uid: liming
sAMAccountName: liming
cn: Li Ming
sn: 李
givenName: 明
displayName: 李明
mail: liming@example.org
o: Example Beijing
department: 信息技术部
userAccountControl: 512
userPassword: {PASSWORD}

dn: uid=zhangwei,ou=Beijing,{PEOPLE}
objectClass: inetOrgPerson
objectClass: deskDirectoryUser
uid: zhangwei
sAMAccountName: zhangwei
cn: Zhang Wei
sn: 张
givenName: 伟
displayName: 张伟
mail: zhangwei@example.org
telephoneNumber: +86 10 5555 0101
o: Example Beijing
department: 信息技术部
manager: uid=liming,ou=Beijing,{PEOPLE}
userAccountControl: 512
userPassword: {PASSWORD}

dn: cn=desk-agents,{GROUPS}
objectClass: groupOfNames
cn: desk-agents
member: uid=zhangwei,ou=Beijing,{PEOPLE}

dn: cn=desk-managers,{GROUPS}
objectClass: groupOfNames
cn: desk-managers
member: uid=liming,ou=Beijing,{PEOPLE}
"""


class Slapd:
    """The running server, and what a test adds to it (removed again by `clean`)."""

    def __init__(self, folder: Path, port: int, process: subprocess.Popen):
        self.folder, self.port, self.process = folder, port, process
        self.uri = f"ldap://127.0.0.1:{port}"
        self.added: list[str] = []
        self.restore: list[tuple[str, dict]] = []

    def connection(self) -> Connection:
        return Connection(Server(self.uri), ROOT_DN, ROOT_PASSWORD, auto_bind=True, raise_exceptions=True)

    def add(self, dn: str, object_class: list[str], attributes: dict) -> str:
        with self.connection() as connection:
            connection.add(dn, object_class, attributes)
        self.added.append(dn)
        return dn

    def add_person(self, uid: str, *, ou: str = "", **attributes) -> str:
        dn = f"uid={uid},{f'ou={ou},' if ou else ''}{PEOPLE}"
        values = {"uid": uid, "sAMAccountName": uid, "cn": uid, "sn": uid, "userPassword": PASSWORD,
                  "userAccountControl": "512", **attributes}
        return self.add(dn, ["inetOrgPerson", "deskDirectoryUser"], values)

    def add_group(self, name: str, members: list[str]) -> str:
        return self.add(f"cn={name},{GROUPS}", ["groupOfNames"], {"cn": name, "member": members})

    def replace(self, dn: str, **attributes) -> None:
        with self.connection() as connection:
            connection.modify(dn, {name: [(MODIFY_REPLACE, value if isinstance(value, list) else [value])]
                                   for name, value in attributes.items()})

    def delete(self, dn: str) -> None:
        with self.connection() as connection:
            connection.delete(dn)
        self.added.remove(dn)

    def clean(self) -> None:
        with self.connection() as connection:
            for dn in reversed(self.added):
                connection.delete(dn)
        self.added.clear()


def start() -> Slapd:
    program = require_program("slapd")
    slapadd = require_program("slapadd")
    folder = Path(tempfile.mkdtemp(prefix="sd-slapd-"))
    (folder / "db").mkdir()
    (folder / "ad.schema").write_text(SCHEMA)
    (folder / "slapd.conf").write_text(CONFIG.format(
        folder=folder, suffix=SUFFIX, root_dn=ROOT_DN, root_password=ROOT_PASSWORD, reader_dn=READER_DN,
        size_limit=SIZE_LIMIT))
    (folder / "data.ldif").write_text(LDIF)
    subprocess.run([slapadd, "-f", folder / "slapd.conf", "-l", folder / "data.ldif"], check=True,
                   capture_output=True)
    port = free_port()
    process = subprocess.Popen([program, "-f", folder / "slapd.conf", "-h", f"ldap://127.0.0.1:{port}/", "-d", "0"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port)
    except TimeoutError:
        process.kill()
        raise RuntimeError(f"slapd did not start: {process.stderr.read().decode()}") from None
    return Slapd(folder, port, process)


def stop(server: Slapd) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        time.sleep(0.1)
    shutil.rmtree(server.folder, ignore_errors=True)

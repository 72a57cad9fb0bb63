"""What other apps hold about a person, for the personal-data export and erasure (servicedesk/people).

The people app exports and erases what the desk's own domains hold (account, tickets, comments, mail,
surveys, audit, tokens). An app with more personal data of its own (a directory link, an external
identity, a second-factor device's name) registers it here from its AppConfig.ready()::

    from servicedesk.people.registry import register_personal_data

    register_personal_data(
        "sso",                                             # the key of its part in the export
        export=lambda user: [...],                         # JSON-able dict or list: never a secret
        erase=lambda user: ExternalIdentity.objects.filter(user=user).delete(),
        title=_("Single sign-on"),                         # its heading on the printable summary
    )

`erase` runs inside the erasure's transaction, before the account itself is anonymised; it removes or
rewrites every row of the app that names the person (through the app's own actions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PersonalData:
    label: str
    export: Callable[[Any], dict | list]
    erase: Callable[[Any], None]
    title: Any = None  # its heading on the printable summary (a lazy translation); the label when none


_registered: dict[str, PersonalData] = {}


def register_personal_data(label: str, export: Callable[[Any], dict | list], erase: Callable[[Any], None],
                           title: Any = None) -> None:
    """Register (or, by the same label, replace: ready() may run twice in tests) an app's personal data."""
    _registered[label] = PersonalData(label, export, erase, title)


def registered() -> list[PersonalData]:
    return list(_registered.values())

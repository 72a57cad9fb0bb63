"""The notes the desk writes itself into the history (why a routing rule, auto-assignment or the
priority matrix changed a ticket), read in the reader's language.

The history keeps each note in one fixed English form (also what English readers see), rows written
before the desk translated them included, so one reader serves old and new rows alike: readable()
recognises each form and says it again in the active language, with group names in that language
too. A note it does not know (an agent's own words, e.g. of a time entry) is shown as written.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts import refdata as accounts_refdata

# The stored forms, as the routing engine, auto-assignment and the ticket actions write them.
ROUTING_RULE = "routing rule: {rule}"
STRATEGY_LABELS = {
    "round robin": gettext_lazy("round robin"),
    "least open": gettext_lazy("least open"),
    "skill": gettext_lazy("skill"),
}

_S = r"auto-assignment \((?P<strategy>[^)]*)\)"
_FORMS: list[tuple[re.Pattern, object]] = [
    (re.compile(r"routing rule: (?P<rule>.+?): (?P<message>.+)"),
     gettext_lazy("routing rule: %(rule)s: %(message)s")),
    (re.compile(r"routing rule: (?P<rule>.+)"), gettext_lazy("routing rule: %(rule)s")),
    (re.compile(_S + r": nobody in (?P<group>.+) is available \(all away or inactive\)"),
     gettext_lazy("auto-assignment (%(strategy)s): nobody in %(group)s is available (all away or inactive)")),
    (re.compile(_S + r": the ticket has no category to match skills against"),
     gettext_lazy("auto-assignment (%(strategy)s): the ticket has no category to match skills against")),
    (re.compile(_S + r": nobody available in (?P<group>.+) has a skill in (?P<category>.+)"),
     gettext_lazy("auto-assignment (%(strategy)s): nobody available in %(group)s has a skill in %(category)s")),
    (re.compile(_S + r" in (?P<group>.+): skill in (?P<category>.+) level (?P<level>\d+), (?P<count>\d+) open tickets"),
     gettext_lazy("auto-assignment (%(strategy)s) in %(group)s: skill in %(category)s level %(level)s, "
                  "%(count)s open tickets")),
    (re.compile(_S + r" in (?P<group>.+): skill in (?P<category>.+), (?P<count>\d+) open tickets"),
     gettext_lazy("auto-assignment (%(strategy)s) in %(group)s: skill in %(category)s, %(count)s open tickets")),
    (re.compile(_S + r" in (?P<group>.+): (?P<count>\d+) open tickets"),
     gettext_lazy("auto-assignment (%(strategy)s) in %(group)s: %(count)s open tickets")),
    (re.compile(_S + r" in (?P<group>.+)"), gettext_lazy("auto-assignment (%(strategy)s) in %(group)s")),
    (re.compile(r"override: impact (?P<impact>\d+) × urgency (?P<urgency>\d+) gives (?P<priority>\d+)"),
     gettext_lazy("override: impact %(impact)s × urgency %(urgency)s gives %(priority)s")),
    (re.compile(r"impact (?P<impact>\d+) × urgency (?P<urgency>\d+) gives (?P<priority>\d+)"),
     gettext_lazy("impact %(impact)s × urgency %(urgency)s gives %(priority)s")),
    (re.compile(r"the requester replied"), gettext_lazy("the requester replied")),
    (re.compile(r"(?P<count>\d+) comments moved from (?P<number>\S+)"),
     gettext_lazy("%(count)s comments moved from %(number)s")),
    (re.compile(r"closed without confirmation after (?P<days>\d+) working days"),
     gettext_lazy("closed without confirmation after %(days)s working days")),
]


def closed_unconfirmed_note(days: int) -> str:
    return f"closed without confirmation after {days} working days"


def routing_rule_note(name: str) -> str:
    return ROUTING_RULE.format(rule=name)


def is_explained(note: str) -> bool:
    """Whether the note says why a rule or a priority override made a change (the timeline shows those)."""
    return "routing rule" in note or "override" in note


def readable(note: str) -> str:
    """A stored note in the active language. Parts joined with "; " (a rule's note, then the field's
    own) are read one by one."""
    if not note:
        return ""
    return _("; ").join(_part(part) for part in note.split("; "))


def _part(part: str) -> str:
    for pattern, template in _FORMS:
        match = pattern.fullmatch(part)
        if match is None:
            continue
        values = match.groupdict()
        if "strategy" in values:
            values["strategy"] = str(STRATEGY_LABELS.get(values["strategy"], values["strategy"]))
        if "group" in values:
            values["group"] = accounts_refdata.group_names_by_key().get(values["group"], values["group"])
        return str(template) % values
    return part

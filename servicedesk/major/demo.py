"""The demo desk's major-incident contact table (`servicedesk demo`, with the tickets): the desk-wide default
list — the 1st line's lead by e-mail and the facilities duty officer by phone first, the desk manager next."""

from servicedesk.core.audit import Channel

from . import actions
from .models import Contact, ContactChannel

AFTER = ("accounts",)


def load(demo) -> None:
    if not demo.full or Contact.objects.exists():
        return
    manager = demo.people["manager"]
    lines = [
        actions.ContactInput(order=1, user=demo.people["lead1"], channel=ContactChannel.EMAIL, respond_within=15),
        actions.ContactInput(order=1, name="设施值班员 Facilities duty officer", phone="+86 10 5555 0100",
                             channel=ContactChannel.PHONE, respond_within=15),
        actions.ContactInput(order=2, user=manager, channel=ContactChannel.EMAIL, respond_within=30),
    ]
    for data in lines:
        actions.save_contact(None, data, actor=manager, channel=Channel.COMMAND)

"""Which clocks a viewer may see: the ticket filter (due, breached) and the API's clock fields ask here."""

CUSTOMER_CLOCKS = ("response", "resolution")


def visible_clocks(viewer):
    """The clock rows a viewer may see: customers get the committed times (response and resolution),
    never a group's OLA."""
    from servicedesk.sla.models import SlaTarget

    rows = SlaTarget.objects.all()
    return rows if viewer.is_desk_staff else rows.filter(kind__in=CUSTOMER_CLOCKS)

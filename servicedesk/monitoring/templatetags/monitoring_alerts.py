"""The incident page's alerts panel (console): the monitoring alerts that opened or reopened the ticket."""

from django import template

from ..models import Alert

register = template.Library()


@register.simple_tag
def ticket_alerts(ticket) -> list[Alert]:
    alerts = list(Alert.objects.filter(ticket=ticket).select_related("source").order_by("-last_seen", "-id")[:20])
    for alert in alerts:
        # Only a web address becomes a link: the sender chose this text.
        alert.link = alert.generator_url if alert.generator_url.startswith(("https://", "http://")) else ""
    return alerts

from django import template

from ..models import IdentityProvider

register = template.Library()


@register.simple_tag
def sign_in_providers() -> list[IdentityProvider]:
    """The enabled providers, in their order, for the sign-in page's buttons."""
    return list(IdentityProvider.objects.filter(enabled=True).only("name", "slug"))

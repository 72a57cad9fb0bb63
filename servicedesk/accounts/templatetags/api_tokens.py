from django import template

from servicedesk.accounts.models import ApiToken
from servicedesk.accounts.views import TokenForm

register = template.Library()


@register.inclusion_tag("accounts/_api_tokens.html", takes_context=True)
def api_tokens_section(context):
    """The signed-in user's API tokens with revoke buttons and a form to issue one (preferences page)."""
    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "tokens": list(ApiToken.objects.filter(user=request.user)),
        "token_form": context.get("token_form") or TokenForm(auto_id="token_%s"),
        "new_token": context.get("new_token", ""),
    }

"""Who may see an approval request: the people asked (at any step) and those deciding for them now, the
ticket's requester, and the desk staff who see the ticket (tickets.permissions)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from servicedesk.accounts.models import STAFF_ROLES, User
from servicedesk.tickets import permissions

from .models import ApprovalRequest, Approver, Delegation


def can_view(user: User, request: ApprovalRequest) -> bool:
    if not user.is_authenticated:
        return False
    if request.ticket.requester_id == user.pk:
        return True
    asked = set(Approver.objects.filter(request=request).values_list("user_id", flat=True))
    if user.pk in asked:
        return True
    now = timezone.now()
    if Delegation.objects.filter(delegate=user, user_id__in=asked, starts__lte=now, ends__gt=now).exists():
        return True
    return user.is_desk_staff and permissions.can_see(user, request.ticket)


def possible_delegates(user: User) -> QuerySet:
    """Whom `user` may hand their approvals to: staff anyone; a customer the desk's staff and the people of their
    own organisation, so that naming a delegate (the API takes any id) never reveals another organisation's
    customer."""
    people = User.objects.filter(is_active=True)
    if user.is_desk_staff:
        return people
    return people.filter(Q(role__in=STAFF_ROLES) | Q(organisation_id=user.organisation_id))

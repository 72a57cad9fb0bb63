"""/api/v1: me, users, organisations, groups, desks and the service catalogue (read)."""


from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from servicedesk.accounts import actions as account_actions
from servicedesk.accounts.models import Desk, Group, Organisation, User
from servicedesk.core.audit import Channel
from servicedesk.core.errors import NotAllowed, NotFound
from servicedesk.core.inputs import Id
from servicedesk.core.pagination import paginate
from servicedesk.tickets.models import Category, Service
from servicedesk.tickets.permissions import group_ids

from .schemas import Input, Message

router = Router(tags=["directory"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    organisation: dict | None
    language: str
    time_zone: str
    groups: list[int]


class MePatch(Input):
    language: str | None = None
    time_zone: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class UserOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    organisation: dict | None
    is_away: bool


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


class OrganisationOut(Schema):
    id: int
    name: str
    customers_see_organisation_tickets: bool


class GroupOut(Schema):
    id: int
    name: str
    kind: str
    tier: int
    lead: int | None
    members: list[int]
    desk: int | None
    is_active: bool


class DeskOut(Schema):
    id: int
    name: str
    site: str
    prefix: str
    time_zone: str
    language: str


class CategoryOut(Schema):
    id: int
    service: int
    parent: int | None
    name: str
    name_zh: str
    default_group: int | None


class ServiceOut(Schema):
    id: int
    name: str
    name_zh: str
    description: str
    categories: list[CategoryOut]


def _organisation(user):
    return {"id": user.organisation.pk, "name": user.organisation.name} if user.organisation_id else None


def _me(user) -> dict:
    return {
        "id": user.pk, "username": user.username, "name": user.get_full_name() or user.username,
        "email": user.email, "role": user.role, "organisation": _organisation(user),
        "language": user.language, "time_zone": user.time_zone, "groups": sorted(group_ids(user)),
    }


@router.get("/me", response=MeOut, summary="Who am I")
def me(request):
    return _me(request.user)


@router.patch("/me", response={200: MeOut, 400: Message, 422: Message}, summary="My preferences")
def update_me(request, payload: MePatch):
    user = request.user
    data = payload.dict(exclude_unset=True)
    return _me(account_actions.set_preferences(user, actor=user, channel=Channel.API, **data))


def _user_out(user) -> dict:
    return {"id": user.pk, "username": user.username, "name": user.get_full_name() or user.username,
            "email": user.email, "role": user.role, "organisation": _organisation(user), "is_away": user.is_away}


def _people_for(viewer):
    if viewer.is_desk_staff:
        return User.objects.filter(is_active=True)
    # A customer sees only themselves.
    return User.objects.filter(pk=viewer.pk)


class UserFilters(Schema):
    q: str | None = Field(None, description="Part of the user name, name or email.")
    role: str | None = None
    organisation: Id | None = None
    cursor: str | None = Field(None, description="`next_cursor` of the page before; a cursor the desk did not "
                                                 "make is a 400.")
    limit: int = Field(50, ge=1, le=200)


@router.get("/users", response={200: UserPage, 400: Message}, summary="People")
def list_users(request, filters: Query[UserFilters]):
    qs = _people_for(request.user).select_related("organisation")
    if filters.q:
        text = filters.q.strip()
        qs = qs.filter(Q(username__icontains=text) | Q(first_name__icontains=text) | Q(last_name__icontains=text)
                       | Q(email__icontains=text))
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.organisation:
        qs = qs.filter(organisation_id=filters.organisation)
    page = paginate(qs, "id", False, filters.limit, after=filters.cursor)
    return {"items": [_user_out(u) for u in page.rows], "next_cursor": page.next_cursor}


@router.get("/users/{int:user_id}", response={200: UserOut, 404: Message}, summary="A person")
def read_user(request, user_id: Id):
    user = _people_for(request.user).select_related("organisation").filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("User not found."))
    return _user_out(user)


@router.get("/organisations", response=list[OrganisationOut], summary="Organisations")
def list_organisations(request):
    qs = Organisation.objects.all()
    if not request.user.is_desk_staff:
        qs = qs.filter(pk=request.user.organisation_id or 0)
    return [{"id": o.pk, "name": o.name, "customers_see_organisation_tickets": o.customers_see_organisation_tickets}
            for o in qs]


@router.get("/organisations/{int:organisation_id}", response={200: OrganisationOut, 404: Message})
def read_organisation(request, organisation_id: Id):
    if not request.user.is_desk_staff and request.user.organisation_id != organisation_id:
        raise NotFound(_("Organisation not found."))
    o = Organisation.objects.filter(pk=organisation_id).first()
    if o is None:
        raise NotFound(_("Organisation not found."))
    return {"id": o.pk, "name": o.name, "customers_see_organisation_tickets": o.customers_see_organisation_tickets}


@router.get("/groups", response={200: list[GroupOut], 403: Message}, summary="Resolver groups")
def list_groups(request):
    if not request.user.is_desk_staff:
        raise NotAllowed(_("Only desk staff see the resolver groups."))
    groups = Group.objects.prefetch_related("members").order_by("tier", "name")
    return [{"id": g.pk, "name": g.name, "kind": g.kind, "tier": g.tier, "lead": g.lead_id,
             "members": [m.pk for m in g.members.all()], "desk": g.desk_id, "is_active": g.is_active}
            for g in groups]


@router.get("/desks", response=list[DeskOut], summary="Desks")
def list_desks(request):
    return [{"id": d.pk, "name": d.name, "site": d.site, "prefix": d.prefix, "time_zone": d.time_zone,
             "language": d.language} for d in Desk.objects.all()]


def _category_out(c) -> dict:
    return {"id": c.pk, "service": c.service_id, "parent": c.parent_id, "name": c.name, "name_zh": c.name_zh,
            "default_group": c.default_group_id}


@router.get("/categories", response=list[CategoryOut], summary="Categories and subcategories")
def list_categories(request, service: Id | None = None):
    qs = Category.objects.filter(is_active=True, service__is_active=True)
    if service:
        qs = qs.filter(service_id=service)
    return [_category_out(c) for c in qs]


@router.get("/services", response=list[ServiceOut], summary="The service catalogue")
def list_services(request):
    services = Service.objects.filter(is_active=True).prefetch_related("categories")
    return [{"id": s.pk, "name": s.name, "name_zh": s.name_zh, "description": s.description,
             "categories": [_category_out(c) for c in s.categories.all() if c.is_active]} for s in services]

"""The permission matrix: every API operation (from the OpenAPI) and every URL of the site, as every
role, aimed at what that role must not reach, with the outcome each must get, and no response to a
restricted role naming a ticket it may not see, another organisation's customer, an internal note
or an internal file.

A new endpoint fails `test_every_endpoint_has_a_row` until it gets a row in ROWS: one line, e.g.
    Row("GET /api/v1/me/tokens", "/api/v1/me/tokens", OPEN),
(the key is the OpenAPI's "METHOD path", or "METHOD route" for a screen, as Django's resolver
writes it; the URL is formatted with the role's targets, see `targets`).

Each request runs in a savepoint rolled back afterwards, so every row meets the same data and the
allowed roles' changes (a merge, a deletion) never blur the next row.
"""

import json
import re
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from servicedesk.accounts.models import ApiToken, Organisation, User
from servicedesk.announcements import actions as notices
from servicedesk.announcements.models import Announcement
from servicedesk.api.app import api as ninja_api
from servicedesk.changes.models import ChangeRecord
from servicedesk.console.models import CannedResponse, SavedView
from servicedesk.knowledge import actions as knowledge_actions
from servicedesk.knowledge.actions import links
from servicedesk.knowledge.models import Article, SearchGap
from servicedesk.major import actions as major_actions
from servicedesk.major.models import Contact, MajorIncident, Page
from servicedesk.monitoring.models import AlertSource, SourceKind
from servicedesk.notify.models import Robot
from servicedesk.problems import actions as problem_actions
from servicedesk.sla.models import Calendar, SlaPolicy
from servicedesk.surveys.models import SurveyResponse
from servicedesk.tickets import actions, permissions
from servicedesk.tickets.models import Attachment, Comment, Ticket, TicketLink
from servicedesk.webhooks.models import Delivery, Subscription

ROLES = ("anonymous", "customer_a", "customer_b", "agent_outside", "lead", "manager", "admin")
USERNAMES = {"customer_a": "customer1", "customer_b": "customer3", "agent_outside": "agent1", "lead": "lead1",
             "manager": "manager", "admin": "admin"}
RESTRICTED = ("anonymous", "customer_a", "customer_b", "agent_outside", "lead")

# Outcome classes.
LOGIN = "login"  # anonymous: 401 JSON (API) or a redirect to sign in (screens)
ADMIN_LOGIN = "admin-login"  # a redirect to the admin's sign-in
HIDDEN = "hidden"  # 404: nothing there for this role
TO_PORTAL = "to-portal"  # a customer sent to the portal (the console's queues and tools)
DENIED = "denied"  # 403: visible but not allowed
ALLOWED = "allowed"  # neither refused nor failed: 2xx/3xx, or the desk's own 400/409/422 on the data
ANSWERED = "answered"  # signed in and not failed: refused or done, as long as the row's check holds

# Who gets what, by the kind of target a row aims at.
TICKET = {"anonymous": LOGIN, "customer_a": HIDDEN, "customer_b": HIDDEN, "agent_outside": HIDDEN,
          "lead": HIDDEN, "manager": ALLOWED, "admin": ALLOWED}  # the role's hidden ticket
OPEN = {role: ALLOWED for role in ROLES} | {"anonymous": LOGIN}  # what every signed-in role may use
PUBLIC = {role: ALLOWED for role in ROLES}
STAFF = OPEN | {"customer_a": TO_PORTAL, "customer_b": TO_PORTAL}  # the console's queues and tools
STAFF_ONLY = OPEN | {"customer_a": HIDDEN, "customer_b": HIDDEN}  # the console's ticket page and canned responses
NOBODY = {role: HIDDEN for role in ROLES} | {"anonymous": LOGIN}  # someone else's own things
NOBODY_ELSE = NOBODY | {"customer_a": TO_PORTAL, "customer_b": TO_PORTAL}  # … in the console's queues
GONE = {role: HIDDEN for role in ROLES}  # a route that answers 404 to everyone
ADMIN_SITE = {role: ADMIN_LOGIN for role in ROLES} | {"admin": ALLOWED}
STAFF_READS = OPEN | {"customer_a": DENIED, "customer_b": DENIED}  # the SLA configuration
ADMIN_WRITES = {role: DENIED for role in ROLES} | {"anonymous": LOGIN, "admin": ALLOWED}
MANAGERS = {role: DENIED for role in ROLES} | {"anonymous": LOGIN, "manager": ALLOWED, "admin": ALLOWED}
STAFF_READERS = PUBLIC | {"anonymous": HIDDEN, "customer_a": HIDDEN, "customer_b": HIDDEN}  # a staff-only article
# The announcements: the world's notice concerns organisation A only (not public).
PROBLEM = TICKET | {"customer_a": DENIED, "customer_b": DENIED}  # the API's problems: desk staff only
NOTICE_READS = PUBLIC | {"anonymous": HIDDEN, "customer_b": HIDDEN}
NOTICE_WRITES = {role: DENIED for role in ROLES} | {"anonymous": LOGIN, "customer_b": HIDDEN, "lead": ALLOWED,
                                                    "manager": ALLOWED, "admin": ALLOWED}
NOTICE_LINKS = {role: ANSWERED for role in ROLES} | {"anonymous": LOGIN, "customer_a": DENIED, "customer_b": DENIED}
# The chat robots: the world's robot is the 3rd line's, whose lead is the manager: its lead and administrators
# manage it (lead1 leads other groups).
ROBOT = NOBODY_ELSE | {"manager": ALLOWED, "admin": ALLOWED}
ROBOT_FORM = {"name": "Matrix probe", "platform": "wecom", "webhook_url": "https://chat.example.invalid/probe",
              "language": "en", "events": ["sla_breach"], "is_active": "on"}
# A machine's endpoint (the CTI webhook, a monitoring source's): no person's session or token counts, only the
# body's signature or the source's own token, which no role sends: 401 (as LOGIN is for the API) whoever asks,
# and nothing stored.
SIGNED_ONLY = {role: LOGIN for role in ROLES}
# An approval: its approver (the manager) and the desk-wide administrator see it; nobody else does.
APPROVAL = {role: HIDDEN for role in ROLES} | {"anonymous": LOGIN, "manager": ALLOWED, "admin": ALLOWED}
# Satisfaction surveys: the requester rates (a customer's own visible ticket, not resolved: the desk's 400); the
# survey's texts are the desk managers'.
SURVEY_RATERS = {role: DENIED for role in ROLES} | {"anonymous": LOGIN, "customer_a": ALLOWED, "customer_b": ALLOWED}
SURVEY_TEXTS = NOBODY | {"manager": ALLOWED, "admin": ALLOWED}


@dataclass
class Row:
    key: str  # "METHOD path" of the OpenAPI, or "METHOD route" of Django's resolver (+ a note)
    url: str  # formatted with the role's targets
    expect: dict
    data: dict | None = None
    files: bool = False  # multipart with one file
    check: str = ""  # a further check by name (see CHECKS)
    own_session: bool = False  # sent from a copy of the role's session (signing out ends it)
    overrides: dict = field(default_factory=dict)

    @property
    def method(self) -> str:
        return self.key.split(" ", 1)[0]

    @property
    def endpoint(self) -> str:
        return self.key.split(" ")[1]

    def expected(self, role: str) -> str:
        return self.overrides.get(role, self.expect[role])


# --- the knowledge base (issue 14): rows aimed at the article each role may not read (ARTICLE_HIDDEN) ---------
K = "/api/v1/knowledge/articles"
KC = "/console/kb/{article}"
ARTICLE = {"anonymous": LOGIN, "customer_a": HIDDEN, "customer_b": HIDDEN, "agent_outside": ALLOWED,
           "lead": ALLOWED, "manager": ALLOWED, "admin": ALLOWED}  # staff read every working copy
PUBLISHERS = ARTICLE | {"agent_outside": DENIED}  # publish and unpublish: leads, managers, administrators
DELETERS = PUBLISHERS | {"lead": DENIED}  # managers and administrators
KNOWLEDGE_ROWS = [
    Row("GET /api/v1/knowledge/articles", K + "?limit=200", OPEN),
    Row("GET /api/v1/knowledge/articles search", K + "?q={article_word}", OPEN),
    Row("GET /api/v1/knowledge/articles working", K + "?working=true&limit=200", STAFF_READS),
    Row("GET /api/v1/knowledge/articles/{article_id}", K + "/{article}", ARTICLE),
    Row("GET /api/v1/knowledge/articles/{article_id} readable", K + "/{public_article}", OPEN),
    Row("POST /api/v1/knowledge/articles", K, STAFF_READS, {"title": "Matrix probe"}),
    Row("PATCH /api/v1/knowledge/articles/{article_id}", K + "/{article}", ARTICLE,
        {"title": "Matrix probe", "version": "{article_version}"}),
    Row("PATCH /api/v1/knowledge/articles/{article_id} readable", K + "/{public_article}", STAFF_READS,
        {"title": "Matrix probe", "version": "{public_article_version}"}),
    Row("POST /api/v1/knowledge/articles/{article_id}/submit", K + "/{article}/submit", ARTICLE,
        {"reviewer": "{manager_id}", "version": "{article_version}"}),
    Row("POST /api/v1/knowledge/articles/{article_id}/publish", K + "/{article}/publish", PUBLISHERS,
        {"version": "{article_version}"}),
    Row("POST /api/v1/knowledge/articles/{article_id}/unpublish", K + "/{article}/unpublish", PUBLISHERS,
        {"version": "{article_version}"}),
    Row("POST /api/v1/knowledge/articles/{article_id}/restore", K + "/{article}/restore", ARTICLE,
        {"number": 1, "version": "{article_version}"}),
    Row("DELETE /api/v1/knowledge/articles/{article_id}", K + "/{article}?version={article_version}", DELETERS),
    Row("GET /api/v1/knowledge/articles/{article_id}/versions", K + "/{article}/versions", ARTICLE),
    Row("GET /api/v1/knowledge/articles/{article_id}/versions readable", K + "/{public_article}/versions",
        STAFF_READS),
    Row("GET /api/v1/knowledge/articles/{article_id}/diff", K + "/{article}/diff?from=1&to=1", ARTICLE),
    Row("GET kb/files/<id:pk>/<str:name>", "/kb/files/{article_file}/x.txt", ARTICLE | {"anonymous": HIDDEN}),
    Row("GET kb/files/<id:pk>/<str:name> public", "/kb/files/{public_file}/x.txt", PUBLIC),
    Row("GET console/kb/", "/console/kb/", STAFF),
    Row("GET console/kb/new/", "/console/kb/new/", STAFF),
    Row("POST console/kb/new/", "/console/kb/new/", STAFF, {"title": "Matrix probe", "language": "en",
                                                            "audience": "staff"}),
    Row("POST console/kb/preview/", "/console/kb/preview/", STAFF, {"body": "**probe**"}),
    Row("GET console/kb/categories/", "/console/kb/categories/?service=1", STAFF),
    Row("GET console/kb/<id:pk>/", KC + "/", STAFF),
    Row("GET console/kb/<id:pk>/edit/", KC + "/edit/", STAFF),
    Row("POST console/kb/<id:pk>/submit/", KC + "/submit/", STAFF,
        {"reviewer": "{manager_id}", "version": "{article_version}"}),
    Row("POST console/kb/<id:pk>/publish/", KC + "/publish/", STAFF | {"agent_outside": DENIED},
        {"version": "{article_version}"}),
    Row("POST console/kb/<id:pk>/unpublish/", KC + "/unpublish/", STAFF | {"agent_outside": DENIED},
        {"version": "{article_version}"}),
    Row("POST console/kb/<id:pk>/delete/", KC + "/delete/", STAFF | {"agent_outside": DENIED, "lead": DENIED},
        {"version": "{article_version}"}),
    Row("POST console/kb/<id:pk>/translate/", KC + "/translate/", STAFF, {"language": "zh-hans"}),
    Row("GET console/kb/<id:pk>/versions/", KC + "/versions/", STAFF),
    Row("GET console/kb/<id:pk>/diff/", KC + "/diff/?from=1&to=1", STAFF),
    Row("POST console/kb/<id:pk>/restore/", KC + "/restore/", STAFF, {"number": "1", "version": "{article_version}"}),
    Row("POST console/kb/<id:pk>/files/", KC + "/files/", STAFF, files=True),
    Row("POST console/kb/<id:pk>/files/<id:file_id>/remove/", KC + "/files/{article_file}/remove/", STAFF),
]


# --- configuration items (issue 18): customer1's laptop (customer_a uses it; customer_b does not see it), linked to
# tickets A and C; a server it is connected to ---------------------------------------------------------------
CI = "/api/v1/cmdb/items/{ci_laptop}"
CI_READS = OPEN | {"customer_b": HIDDEN}
CI_WRITES = {role: DENIED for role in ROLES} | {"anonymous": LOGIN, "lead": ALLOWED, "manager": ALLOWED,
                                                "admin": ALLOWED}
CI_STAFF = OPEN | {"customer_a": DENIED, "customer_b": DENIED}
CMDB_ROWS = [
    Row("GET /api/v1/cmdb/types", "/api/v1/cmdb/types", OPEN),
    Row("GET /api/v1/cmdb/items", "/api/v1/cmdb/items?limit=200", OPEN),
    Row("POST /api/v1/cmdb/items", "/api/v1/cmdb/items", CI_WRITES, {"type": "matrix", "name": "Matrix probe"}),
    Row("GET /api/v1/cmdb/items/{item_id}", CI, CI_READS),
    Row("PATCH /api/v1/cmdb/items/{item_id}", CI, CI_WRITES | {"customer_b": HIDDEN}, {"location": "Probe"}),
    Row("POST /api/v1/cmdb/items/{item_id}/retire", CI + "/retire", CI_WRITES | {"customer_b": HIDDEN}),
    Row("GET /api/v1/cmdb/items/{item_id}/relations", CI + "/relations", CI_STAFF),
    Row("GET /api/v1/cmdb/items/{item_id}/impact", CI + "/impact", CI_STAFF),
    Row("GET /api/v1/cmdb/items/{item_id}/tickets", CI + "/tickets", CI_READS),
    Row("POST /api/v1/cmdb/relations", "/api/v1/cmdb/relations", CI_WRITES,
        {"source": "{ci_server}", "target": "{ci_laptop}", "kind": "depends_on"}),
    Row("DELETE /api/v1/cmdb/relations/{relation_id}", "/api/v1/cmdb/relations/{ci_relation}", CI_WRITES),
    Row("GET /api/v1/cmdb/tickets/{number}/items", "/api/v1/cmdb/tickets/{number}/items", TICKET),
    Row("POST /api/v1/cmdb/tickets/{number}/items/{item_id}", "/api/v1/cmdb/tickets/{number}/items/{ci_laptop}",
        TICKET),
    Row("DELETE /api/v1/cmdb/tickets/{number}/items/{item_id}", "/api/v1/cmdb/tickets/{number}/items/{ci_laptop}",
        TICKET),
    Row("GET console/cmdb/", "/console/cmdb/", STAFF_ONLY),
    Row("GET console/cmdb/new/", "/console/cmdb/new/?type=matrix", STAFF_ONLY | {"agent_outside": DENIED}),
    Row("POST console/cmdb/new/", "/console/cmdb/new/", STAFF_ONLY | {"agent_outside": DENIED},
        {"type": "matrix", "name": "Matrix probe", "status": "in_use"}),
    Row("GET console/cmdb/<id:pk>/", "/console/cmdb/{ci_laptop}/", STAFF_ONLY),
    Row("POST console/cmdb/<id:pk>/", "/console/cmdb/{ci_laptop}/", STAFF_ONLY | {"agent_outside": DENIED},
        {"name": "Matrix laptop", "status": "in_use", "location": "Probe"}),
    Row("GET console/cmdb/<id:pk>/impact/", "/console/cmdb/{ci_server}/impact/", STAFF_ONLY),
    Row("POST console/cmdb/<id:pk>/retire/", "/console/cmdb/{ci_laptop}/retire/", STAFF_ONLY),
    Row("POST console/cmdb/<id:pk>/relations/", "/console/cmdb/{ci_laptop}/relations/", STAFF_ONLY,
        {"direction": "in", "kind": "depends_on", "other": "Matrix server"}),
    Row("POST console/cmdb/<id:pk>/relations/<id:relation_id>/remove/",
        "/console/cmdb/{ci_laptop}/relations/{ci_relation}/remove/", STAFF_ONLY),
    Row("GET console/cmdb/import/", "/console/cmdb/import/", STAFF_ONLY | {"agent_outside": DENIED}),
    Row("POST console/cmdb/import/", "/console/cmdb/import/", STAFF_ONLY | {"agent_outside": DENIED},
        {"apply": "1"}),
    Row("POST console/tickets/<str:number>/items/", "/console/tickets/{number}/items/", TICKET,
        {"name": "Matrix laptop"}),
    Row("POST console/tickets/<str:number>/items/<id:item_id>/remove/",
        "/console/tickets/{number}/items/{ci_laptop}/remove/", TICKET),
]


T = "/api/v1/tickets/{ticket}"
C = "/console/tickets/{number}"
def _people_rows():
    """People managed by the desk (issue 19): rows aimed at the desk manager, whom only administrators manage
    (nobody acts on themselves); the audit export at another organisation's customer."""
    only_admin = NOBODY | {"admin": ALLOWED}
    only_admin_screen = NOBODY_ELSE | {"admin": ALLOWED}
    auditors_screen = NOBODY_ELSE | {"manager": ALLOWED, "admin": ALLOWED}
    api, screen = "/api/v1/people/{manager_id}", "/console/people/{manager_id}/"
    return [
        Row("GET /api/v1/people", "/api/v1/people", STAFF_READS),
        Row("POST /api/v1/people", "/api/v1/people", STAFF_READS, {"name": "Matrix probe"}),
        Row("GET /api/v1/people/audit", "/api/v1/people/audit?kind=person&id={other_customer}", MANAGERS),
        Row("GET /api/v1/people/{person_id}", api, only_admin),
        Row("PATCH /api/v1/people/{person_id}", api, only_admin, {"phone": "1"}),
        Row("POST /api/v1/people/{person_id}/invite", api + "/invite", only_admin),
        Row("POST /api/v1/people/{person_id}/reset-link", api + "/reset-link", only_admin),
        Row("POST /api/v1/people/{person_id}/unlock", api + "/unlock", only_admin),
        Row("POST /api/v1/people/{person_id}/deactivate", api + "/deactivate", only_admin, {}),
        Row("POST /api/v1/people/{person_id}/reactivate", api + "/reactivate", only_admin, {}),
        Row("GET /api/v1/people/{person_id}/personal-data", api + "/personal-data", only_admin),
        Row("POST /api/v1/people/{person_id}/erase", api + "/erase", only_admin, {"confirm": "wrong"}),
        Row("GET console/people/", "/console/people/", STAFF),
        Row("POST console/people/new/", "/console/people/new/", STAFF, {"name": "Matrix probe"}),
        Row("GET console/people/audit/", "/console/people/audit/?kind=person&id={other_customer}"
            "&start=2026-01-01&end=2026-12-31", auditors_screen),
        Row("GET console/people/<int:pk>/", screen, only_admin_screen),
        Row("POST console/people/<int:pk>/", screen, only_admin_screen, {"phone": "1"}),
        Row("GET console/people/<int:pk>/personal-data.json", screen + "personal-data.json", only_admin_screen),
        Row("GET console/people/<int:pk>/personal-data/", screen + "personal-data/", only_admin_screen),
        Row("GET console/people/<int:pk>/erase/", screen + "erase/", only_admin_screen),
        Row("POST console/people/<int:pk>/erase/", screen + "erase/", only_admin_screen, {"confirm": "wrong"}),
        Row("POST console/people/<int:pk>/<slug:what>/", screen + "deactivate/", only_admin_screen),
    ]


ROWS = [
    # --- the API ---------------------------------------------------------------------------------
    Row("GET /api/v1/tickets", "/api/v1/tickets?limit=200", OPEN),
    Row("GET /api/v1/tickets search", "/api/v1/tickets?q={hidden_title}", OPEN),
    Row("POST /api/v1/tickets", "/api/v1/tickets", OPEN, {"title": "Matrix probe"}),
    # Refused or done, every role: nobody may make another organisation's customer a watcher.
    Row("POST /api/v1/tickets watchers", "/api/v1/tickets", {role: ANSWERED for role in ROLES} | {"anonymous": LOGIN},
        {"title": "Matrix probe", "watchers": ["{other_customer}"]}, check="no_foreign_watcher"),
    Row("GET /api/v1/tickets/{ticket_id}", T, TICKET),
    Row("GET /api/v1/tickets/{ticket_id} visible", "/api/v1/tickets/{visible}", OPEN),
    Row("PATCH /api/v1/tickets/{ticket_id}", T, TICKET, {"title": "Changed"}),
    Row("POST /api/v1/tickets/{ticket_id}/transitions", T + "/transitions", TICKET, {"action": "start"}),
    Row("GET /api/v1/tickets/{ticket_id}/comments", T + "/comments", TICKET),
    Row("GET /api/v1/tickets/{ticket_id}/comments visible", "/api/v1/tickets/{visible}/comments", OPEN),
    Row("POST /api/v1/tickets/{ticket_id}/comments", T + "/comments", TICKET, {"body": "Probe"}),
    Row("GET /api/v1/tickets/{ticket_id}/attachments", T + "/attachments", TICKET),
    Row("GET /api/v1/tickets/{ticket_id}/attachments visible", "/api/v1/tickets/{visible}/attachments", OPEN),
    Row("POST /api/v1/tickets/{ticket_id}/attachments", T + "/attachments", TICKET, files=True),
    Row("GET /api/v1/tickets/attachments/{attachment_id}/download", "/api/v1/tickets/attachments/{attachment}/download",
        TICKET),
    Row("GET /api/v1/tickets/attachments/{attachment_id}/download internal",
        "/api/v1/tickets/attachments/{internal_attachment}/download", OPEN,
        overrides={"customer_a": HIDDEN, "customer_b": HIDDEN}),
    Row("GET /api/v1/tickets/{ticket_id}/history", T + "/history", TICKET),
    Row("GET /api/v1/tickets/{ticket_id}/history visible", "/api/v1/tickets/{visible}/history", OPEN),
    Row("GET /api/v1/tickets/{ticket_id}/links", T + "/links", TICKET),
    Row("GET /api/v1/tickets/{ticket_id}/links visible", "/api/v1/tickets/{visible}/links", OPEN),
    Row("POST /api/v1/tickets/{ticket_id}/links", T + "/links", TICKET,
        {"target": "{visible_number}", "kind": "related"}),
    Row("DELETE /api/v1/tickets/{ticket_id}/links/{link_id}", T + "/links/{link}", TICKET),
    Row("POST /api/v1/tickets/{ticket_id}/merge", T + "/merge", TICKET, {"into": "{visible_number}"}),
    Row("GET /api/v1/tickets/{ticket_id}/time-entries", T + "/time-entries", TICKET),
    Row("GET /api/v1/tickets/{ticket_id}/time-entries visible", "/api/v1/tickets/{visible}/time-entries", OPEN,
        overrides={"customer_a": DENIED, "customer_b": DENIED}),
    Row("POST /api/v1/tickets/{ticket_id}/time-entries", T + "/time-entries", TICKET, {"minutes": 5}),
    Row("POST /api/v1/tickets/{ticket_id}/watchers", T + "/watchers", TICKET, {"add": ["{own_id}"]}),
    Row("POST /api/v1/tickets/{ticket_id}/route", T + "/route", TICKET),
    Row("GET /api/v1/tickets/{ticket_id}/tags", T + "/tags", TICKET),
    Row("GET /api/v1/tickets/{ticket_id}/clocks", T + "/clocks", TICKET),
    Row("GET /api/v1/tickets/{ticket_id}/clocks visible", "/api/v1/tickets/{visible}/clocks", OPEN),
    Row("GET /api/v1/sla/calendars", "/api/v1/sla/calendars", STAFF_READS),
    Row("GET /api/v1/sla/calendars/{calendar_id}", "/api/v1/sla/calendars/{calendar}", STAFF_READS),
    Row("POST /api/v1/sla/calendars", "/api/v1/sla/calendars", ADMIN_WRITES, {"name": "Matrix probe"}),
    Row("PATCH /api/v1/sla/calendars/{calendar_id}", "/api/v1/sla/calendars/{calendar}", ADMIN_WRITES,
        {"name": "Matrix probe"}),
    Row("DELETE /api/v1/sla/calendars/{calendar_id}", "/api/v1/sla/calendars/{calendar}", ADMIN_WRITES),
    Row("GET /api/v1/sla/policies", "/api/v1/sla/policies", STAFF_READS),
    Row("GET /api/v1/sla/policies/{policy_id}", "/api/v1/sla/policies/{policy}", STAFF_READS),
    Row("POST /api/v1/sla/policies", "/api/v1/sla/policies", ADMIN_WRITES,
        {"name": "Matrix probe", "calendar": "{calendar}", "first_response_minutes": 60, "resolution_minutes": 480}),
    Row("PATCH /api/v1/sla/policies/{policy_id}", "/api/v1/sla/policies/{policy}", ADMIN_WRITES,
        {"resolution_minutes": 600}),
    Row("DELETE /api/v1/sla/policies/{policy_id}", "/api/v1/sla/policies/{policy}", ADMIN_WRITES),
    Row("GET /api/v1/me", "/api/v1/me", OPEN),
    Row("GET /api/v1/me/tokens", "/api/v1/me/tokens", OPEN),
    Row("POST /api/v1/me/tokens", "/api/v1/me/tokens", OPEN, {"name": "Matrix probe", "days": 30}),
    Row("DELETE /api/v1/me/tokens/{token_id}", "/api/v1/me/tokens/{token}", NOBODY),
    Row("PATCH /api/v1/me", "/api/v1/me", OPEN, {"time_zone": "Asia/Shanghai"}),
    Row("GET /api/v1/users", "/api/v1/users?limit=200", OPEN),
    Row("GET /api/v1/users search", "/api/v1/users?q={other_customer_username}", OPEN),
    Row("GET /api/v1/users/{user_id}", "/api/v1/users/{other_customer}", OPEN,
        overrides={"customer_a": HIDDEN, "customer_b": HIDDEN}),
    Row("GET /api/v1/organisations", "/api/v1/organisations", OPEN),
    Row("GET /api/v1/organisations/{organisation_id}", "/api/v1/organisations/{other_organisation}", OPEN,
        overrides={"customer_a": HIDDEN, "customer_b": HIDDEN}),
    Row("GET /api/v1/groups", "/api/v1/groups", OPEN, overrides={"customer_a": DENIED, "customer_b": DENIED}),
    Row("GET /api/v1/desks", "/api/v1/desks", OPEN),
    Row("GET /api/v1/categories", "/api/v1/categories", OPEN),
    Row("GET /api/v1/services", "/api/v1/services", OPEN),
    Row("GET /api/v1/tickets/{ticket_id}/articles", T + "/articles", TICKET),
    Row("GET /api/v1/tickets/{ticket_id}/articles visible", "/api/v1/tickets/{visible}/articles", OPEN),
    Row("POST /api/v1/tickets/{ticket_id}/articles", T + "/articles", TICKET, {"article": "{linked_article}"}),
    Row("DELETE /api/v1/tickets/{ticket_id}/articles/{article_id}", T + "/articles/{linked_article}", TICKET),
    Row("POST /api/v1/tickets/{ticket_id}/draft-article", T + "/draft-article", TICKET),
    Row("GET /api/v1/knowledge/upkeep", "/api/v1/knowledge/upkeep", STAFF_READS),
    *KNOWLEDGE_ROWS,
    Row("GET /api/v1/announcements", "/api/v1/announcements", PUBLIC),
    Row("GET /api/v1/announcements/{announcement_id}", "/api/v1/announcements/{notice}", NOTICE_READS),
    Row("POST /api/v1/announcements", "/api/v1/announcements", NOTICE_WRITES | {"customer_b": DENIED},
        {"title": "Matrix probe"}),
    Row("PATCH /api/v1/announcements/{announcement_id}", "/api/v1/announcements/{notice}", NOTICE_WRITES,
        {"title": "Matrix probe"}),
    Row("DELETE /api/v1/announcements/{announcement_id}", "/api/v1/announcements/{notice}", NOTICE_WRITES,
        overrides={"lead": DENIED}),
    Row("POST /api/v1/announcements/{announcement_id}/end", "/api/v1/announcements/{notice}/end", NOTICE_WRITES),
    Row("POST /api/v1/announcements/{announcement_id}/notify", "/api/v1/announcements/{notice}/notify",
        NOTICE_WRITES, {}),
    Row("POST /api/v1/announcements/{announcement_id}/subscribe", "/api/v1/announcements/{notice}/subscribe",
        {role: DENIED for role in ROLES} | {"anonymous": LOGIN, "customer_a": ALLOWED, "customer_b": HIDDEN}),
    Row("DELETE /api/v1/announcements/{announcement_id}/subscribe", "/api/v1/announcements/{notice}/subscribe",
        NOTICE_READS | {"anonymous": LOGIN}),
    Row("POST /api/v1/announcements/{announcement_id}/tickets/{number}",
        "/api/v1/announcements/{notice}/tickets/{visible_number}", NOTICE_LINKS),
    Row("DELETE /api/v1/announcements/{announcement_id}/tickets/{number}",
        "/api/v1/announcements/{notice}/tickets/{visible_number}", NOTICE_LINKS),
    Row("POST /api/v1/telephony/events", "/api/v1/telephony/events", SIGNED_ONLY,
        {"event": "offered", "event_id": "matrix", "call_id": "matrix", "timestamp": "2026-12-07T09:00:00Z"}),
    Row("GET api/v1/openapi.json", "/api/v1/openapi.json", PUBLIC),
    Row("GET api/v1/docs", "/api/v1/docs", PUBLIC),
    Row("GET api/v1/", "/api/v1/", GONE),
    # --- sign-in and preferences -----------------------------------------------------------------
    Row("GET ", "/", OPEN),
    Row("GET login/", "/login/", PUBLIC),
    Row("GET brand.css", "/brand.css", PUBLIC),
    Row("GET password/reset/", "/password/reset/", PUBLIC),
    Row("POST password/reset/", "/password/reset/", PUBLIC, {"email": "{other_customer_email}"}),
    Row("GET password/reset/sent/", "/password/reset/sent/", PUBLIC),
    Row("GET password/reset/<uidb64>/<token>/", "/password/reset/MQ/set-password/", PUBLIC),
    Row("GET password/reset/done/", "/password/reset/done/", PUBLIC),
    Row("POST logout/", "/logout/", PUBLIC, own_session=True),
    Row("GET password/", "/password/", OPEN),
    Row("GET password/done/", "/password/done/", OPEN),
    Row("POST language/", "/language/", PUBLIC, {"language": "en"}),
    Row("GET preferences/", "/preferences/", OPEN),
    Row("GET status/", "/status/", PUBLIC),
    Row("POST notices/<id:pk>/dismiss/", "/notices/{notice}/dismiss/", OPEN),
    Row("POST preferences/tokens/", "/preferences/tokens/", OPEN, {"name": "Matrix probe"}),
    Row("POST preferences/tokens/<int:token_id>/revoke/", "/preferences/tokens/{token}/revoke/", NOBODY),
    # --- the console -----------------------------------------------------------------------------
    Row("GET console/", "/console/", STAFF),
    Row("GET console/queue-counts/", "/console/queue-counts/", STAFF),
    Row("GET console/queues/<slug:slug>/", "/console/queues/recent/?q={hidden_title}", STAFF),
    Row("GET console/queues/<slug:slug>/ all", "/console/queues/all/", STAFF, overrides={"agent_outside": HIDDEN}),
    Row("GET console/queues/<slug:slug>/ unassigned", "/console/queues/unassigned/", STAFF),
    Row("GET console/queues/<slug:slug>/ unowned", "/console/queues/unowned/", STAFF),
    Row("GET console/search/", "/console/search/?q={hidden_title}", STAFF),
    Row("GET console/search/ by number", "/console/search/?q={hidden_number}", STAFF),
    Row("POST console/views/save/", "/console/views/save/", STAFF, {"name": "Mine", "queue": "recent"}),
    Row("POST console/views/<id:pk>/delete/", "/console/views/{saved_view}/delete/", NOBODY_ELSE),
    Row("GET console/quick-log/", "/console/quick-log/", STAFF),
    Row("GET console/quick-log/callers/", "/console/quick-log/callers/?q=customer", STAFF),
    Row("GET console/tickets/<str:number>/", C + "/", TICKET),
    Row("GET console/tickets/<str:number>/ visible", "/console/tickets/{visible_number}/", STAFF_ONLY),
    Row("POST console/tickets/<str:number>/reply/", C + "/reply/", TICKET, {"body": "Probe", "version": "{version}"}),
    Row("POST console/tickets/<str:number>/transition/<slug:action>/", C + "/transition/start/", TICKET,
        {"version": "{version}"}),
    Row("POST console/tickets/<str:number>/assign/", C + "/assign/", TICKET,
        {"group": "{group}", "version": "{version}"}),
    Row("GET console/tickets/<str:number>/duplicates/", C + "/duplicates/", TICKET),
    Row("GET console/tickets/<str:number>/duplicates/ visible", "/console/tickets/{visible_number}/duplicates/",
        STAFF_ONLY),
    Row("POST console/tickets/<str:number>/route/", C + "/route/", TICKET, {"version": "{version}"}),
    Row("POST console/tickets/<str:number>/own/", C + "/own/", TICKET, {"version": "{version}"}),
    Row("GET console/tickets/<str:number>/assign/members/", C + "/assign/members/?group={group}", TICKET),
    Row("POST console/tickets/<str:number>/priority/", C + "/priority/", TICKET,
        {"impact": "1", "urgency": "1", "version": "{version}"}),
    Row("POST console/tickets/<str:number>/category/", C + "/category/", TICKET, {"version": "{version}"}),
    Row("POST console/tickets/<str:number>/links/", C + "/links/", TICKET,
        {"number": "{visible_number}", "kind": "related", "version": "{version}"}),
    Row("POST console/tickets/<str:number>/links/ hidden target", "/console/tickets/{visible_number}/links/",
        STAFF_ONLY,
        {"number": "{hidden_number}", "kind": "related", "version": "{visible_version}"}, check="same_as_none"),
    Row("POST console/tickets/<str:number>/links/<id:link_id>/remove/", C + "/links/{link}/remove/", TICKET,
        {"version": "{version}"}),
    Row("GET console/tickets/<str:number>/merge/", C + "/merge/?into={visible_number}", TICKET),
    Row("GET console/tickets/<str:number>/merge/ hidden target",
        "/console/tickets/{visible_number}/merge/?into={hidden_number}", STAFF_ONLY, check="same_as_none"),
    Row("POST console/tickets/<str:number>/time/", C + "/time/", TICKET, {"minutes": "5", "version": "{version}"}),
    Row("POST console/tickets/<str:number>/watchers/", C + "/watchers/", TICKET,
        {"add": "{own_id}", "version": "{version}"}),
    Row("GET console/tickets/<str:number>/canned/", C + "/canned/?canned={canned}", TICKET),
    Row("GET console/tickets/<str:number>/attachments/<id:attachment_id>/", C + "/attachments/{attachment}/", TICKET),
    Row("GET console/tickets/<str:number>/knowledge/", C + "/knowledge/?q={hidden_title}", TICKET),
    Row("GET console/tickets/<str:number>/knowledge/ visible", "/console/tickets/{visible_number}/knowledge/",
        STAFF_ONLY),
    Row("POST console/tickets/<str:number>/articles/<id:article_id>/remove/", C + "/articles/{linked_article}/remove/",
        TICKET, {"version": "{version}"}),
    Row("POST console/tickets/<str:number>/draft-article/", C + "/draft-article/", TICKET, {"version": "{version}"}),
    Row("GET console/kb/upkeep/", "/console/kb/upkeep/?scope=all", STAFF),
    Row("POST console/kb/gaps/<id:pk>/dealt-with/", "/console/kb/gaps/{gap}/dealt-with/", STAFF),
    Row("GET console/announcements/", "/console/announcements/", STAFF_ONLY),
    Row("GET console/announcements/new/", "/console/announcements/new/", STAFF_ONLY,
        overrides={"agent_outside": DENIED}),
    Row("GET console/announcements/<id:pk>/", "/console/announcements/{notice}/", STAFF_ONLY),
    Row("POST console/announcements/<id:pk>/", "/console/announcements/{notice}/", STAFF_ONLY,
        {"kind": "outage", "title": "Matrix probe", "starts_at": "2030-01-01T10:00"},
        overrides={"agent_outside": DENIED}),
    Row("POST console/announcements/<id:pk>/end/", "/console/announcements/{notice}/end/", STAFF_ONLY),
    Row("POST console/announcements/<id:pk>/notify/", "/console/announcements/{notice}/notify/", STAFF_ONLY),
    Row("POST console/announcements/<id:pk>/delete/", "/console/announcements/{notice}/delete/", STAFF_ONLY),
    Row("POST console/announcements/<id:pk>/tickets/", "/console/announcements/{notice}/tickets/", STAFF_ONLY,
        {"number": "{visible_number}"}),
    Row("POST console/announcements/<id:pk>/tickets/<str:number>/remove/",
        "/console/announcements/{notice}/tickets/{number}/remove/", TICKET),
    Row("POST console/tickets/<str:number>/announcement/", C + "/announcement/", TICKET, {"announcement": "{notice}"}),
    Row("GET console/robots/", "/console/robots/", STAFF),
    Row("GET console/robots/new/", "/console/robots/new/", STAFF),
    Row("GET console/robots/new/ group", "/console/robots/new/?group={third_line}", STAFF,
        overrides={"agent_outside": DENIED, "lead": DENIED}),
    Row("POST console/robots/new/", "/console/robots/new/", STAFF, ROBOT_FORM),
    Row("GET console/robots/<id:pk>/", "/console/robots/{robot}/", ROBOT),
    Row("POST console/robots/<id:pk>/", "/console/robots/{robot}/", ROBOT, ROBOT_FORM),
    Row("POST console/robots/<id:pk>/test/", "/console/robots/{robot}/test/", ROBOT),
    Row("POST console/robots/<id:pk>/delete/", "/console/robots/{robot}/delete/", ROBOT),
    Row("GET console/calls/", "/console/calls/", STAFF_ONLY),
    Row("GET console/calls/pop/", "/console/calls/pop/", STAFF_ONLY),
    Row("GET console/calls/<id:pk>/", "/console/calls/{call}/", STAFF_ONLY, overrides={"agent_outside": HIDDEN}),
    Row("GET console/canned/", "/console/canned/", STAFF_ONLY),
    Row("GET console/canned/new/", "/console/canned/new/", STAFF_ONLY),
    Row("GET console/canned/<id:pk>/", "/console/canned/{canned}/", NOBODY),
    Row("POST console/canned/<id:pk>/delete/", "/console/canned/{canned}/delete/", NOBODY),
    # --- the portal ------------------------------------------------------------------------------
    Row("GET portal/", "/portal/", OPEN),
    Row("GET portal/new/", "/portal/new/", OPEN),
    Row("GET portal/requests/", "/portal/requests/?state=all", OPEN),
    Row("GET portal/requests/ organisation", "/portal/requests/?state=all&scope=organisation", OPEN),
    Row("GET portal/requests/<str:number>/", "/portal/requests/{number}/", TICKET),
    Row("POST portal/requests/<str:number>/", "/portal/requests/{number}/", TICKET,
        {"action": "reply", "body": "Probe", "version": "{version}"}),
    Row("GET portal/files/<id:attachment_id>/", "/portal/files/{attachment}/", TICKET),
    Row("POST portal/notices/<id:pk>/subscribe/", "/portal/notices/{notice}/subscribe/", OPEN,
        overrides={"customer_b": HIDDEN}),
    Row("GET portal/files/<id:attachment_id>/ internal", "/portal/files/{internal_attachment}/", NOBODY),
    # --- self-service: the help centre and /api/v1/knowledge (kb-portal) -------------------------
    Row("GET /api/v1/knowledge/suggest", "/api/v1/knowledge/suggest?q=Kumquat runbook", OPEN),
    Row("GET /api/v1/knowledge/faq", "/api/v1/knowledge/faq?limit=50", OPEN),
    Row("POST /api/v1/knowledge/articles/{article_id}/feedback", "/api/v1/knowledge/articles/{staff_article}/feedback",
        STAFF_ONLY, {"helpful": True}),
    Row("POST /api/v1/knowledge/articles/{article_id}/solved", "/api/v1/knowledge/articles/{staff_article}/solved",
        STAFF_ONLY, {}),
    Row("GET /api/v1/knowledge/deflections", "/api/v1/knowledge/deflections", MANAGERS),
    Row("GET help/", "/help/", PUBLIC),
    Row("GET help/search", "/help/search?q=Kumquat runbook", PUBLIC),
    Row("GET help/suggest", "/help/suggest?q=Kumquat runbook", PUBLIC),
    Row("GET help/articles/<id:article_id>/", "/help/articles/{staff_article}/", STAFF_READERS),
    Row("POST help/articles/<id:article_id>/feedback", "/help/articles/{staff_article}/feedback", STAFF_READERS,
        {"helpful": "yes"}),
    Row("POST help/articles/<id:article_id>/solved", "/help/articles/{staff_article}/solved", STAFF_READERS),
    # --- outgoing webhooks (administrators only; the matrix webhook posts to a closed loopback port) --
    Row("GET /api/v1/webhooks", "/api/v1/webhooks", ADMIN_WRITES),
    Row("POST /api/v1/webhooks", "/api/v1/webhooks", ADMIN_WRITES,
        {"name": "Matrix probe", "url": "http://127.0.0.1:9/", "events": ["ticket.created"]}),
    Row("GET /api/v1/webhooks/{webhook_id}/deliveries", "/api/v1/webhooks/{webhook}/deliveries", ADMIN_WRITES),
    Row("POST /api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
        "/api/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver", ADMIN_WRITES),
    # --- the admin site (its own permissions: administrators only) ---------------------------------
    Row("GET admin/", "/admin/", ADMIN_SITE),
    Row("GET admin/ ticket", "/admin/tickets/ticket/{ticket}/change/", ADMIN_SITE),
    Row("GET admin/ user", "/admin/accounts/user/{other_customer}/change/", ADMIN_SITE),
    Row("GET admin/ directory status", "/admin/directory/syncrun/", ADMIN_SITE),
    # --- monitoring webhooks (ch-monitor): only the alert source's own token or signature, never a person's ---
    Row("POST /api/v1/monitoring/{source}/alertmanager", "/api/v1/monitoring/matrix/alertmanager", SIGNED_ONLY,
        {"version": "4", "status": "firing", "alerts": [{"status": "firing", "fingerprint": "probe", "labels": {}}]}),
    Row("POST /api/v1/monitoring/{source}/zabbix", "/api/v1/monitoring/matrix/zabbix", SIGNED_ONLY,
        {"event_id": "1", "event_value": "1", "host": "probe", "trigger": "Probe"}),
    Row("POST /api/v1/monitoring/{source}/json", "/api/v1/monitoring/matrix/json", SIGNED_ONLY,
        {"fingerprint": "probe", "status": "firing", "title": "Probe"}),
    # --- major incidents (issue 15): ticket A is one, with one page ----------------------------------
    Row("GET /api/v1/tickets/{ticket_id}/major", T + "/major", TICKET),
    Row("POST /api/v1/tickets/{ticket_id}/major", T + "/major", TICKET, {"reason": "Matrix probe"}),
    Row("POST /api/v1/tickets/{ticket_id}/major/stand-down", T + "/major/stand-down", TICKET,
        {"reason": "Matrix probe"}),
    Row("POST /api/v1/tickets/{ticket_id}/major/resolve", T + "/major/resolve", TICKET, {"resolution": "Probe"}),
    Row("POST /api/v1/tickets/{ticket_id}/major/links", T + "/major/links", TICKET, {"incident": "{visible_number}"}),
    Row("POST /api/v1/tickets/{ticket_id}/major/pages/{page_id}/acknowledge",
        T + "/major/pages/{major_page}/acknowledge", TICKET),
    Row("GET console/major/", "/console/major/", STAFF_ONLY),
    Row("GET console/major/contacts/", "/console/major/contacts/", STAFF_ONLY),
    Row("GET console/major/contacts/new/", "/console/major/contacts/new/", STAFF_ONLY),
    Row("POST console/major/contacts/new/", "/console/major/contacts/new/", STAFF_ONLY,
        {"order": "1", "name": "Matrix probe", "email": "probe@example.net", "channel": "email",
         "respond_within": "5"}),
    Row("GET console/major/contacts/<id:pk>/", "/console/major/contacts/{major_contact}/", STAFF_ONLY),
    Row("POST console/major/contacts/<id:pk>/delete/", "/console/major/contacts/{major_contact}/delete/", STAFF_ONLY),
    Row("GET console/major/<str:number>/", "/console/major/{number}/", TICKET),
    Row("POST console/major/<str:number>/stand-down/", "/console/major/{number}/stand-down/", TICKET,
        {"text": "Matrix probe"}),
    Row("POST console/major/<str:number>/resolve/", "/console/major/{number}/resolve/", TICKET, {"text": "Probe"}),
    Row("POST console/major/<str:number>/links/", "/console/major/{number}/links/", TICKET,
        {"number": "{visible_number}"}),
    Row("POST console/major/<str:number>/pages/<id:page_id>/acknowledge/",
        "/console/major/{number}/pages/{major_page}/acknowledge/", TICKET),
    Row("GET console/major/<str:number>/timeline.md", "/console/major/{number}/timeline.md", TICKET),
    Row("GET console/major/<str:number>/timeline.csv", "/console/major/{number}/timeline.csv", TICKET),
    Row("POST console/tickets/<str:number>/major/", C + "/major/", TICKET, {"reason": "Matrix probe"}),
    Row("POST console/tickets/<str:number>/major/link/", C + "/major/link/", TICKET, {"major": "{major}"}),
    # The acknowledgement link needs no sign-in; a token the desk did not sign is nothing, for everyone.
    Row("GET major/ack/<str:token>/", "/major/ack/1:forged:token/", GONE),
    Row("POST major/ack/<str:token>/", "/major/ack/1:forged:token/", GONE),
    # The reports (issue 16): an agent's figures are their own whatever the URL asks; a lead's their groups'
    # (lead1 is not in the 3rd line).
    Row("GET console/start/", "/console/start/", STAFF),
    Row("GET console/reports/", "/console/reports/", STAFF),
    Row("GET console/reports/ other group", "/console/reports/?group={third_line}", STAFF, overrides={"lead": DENIED}),
    Row("GET console/reports/tickets/", "/console/reports/tickets/?kpi=tickets_created", STAFF),
    Row("GET console/reports/tickets/ other group", "/console/reports/tickets/?kpi=tickets_created&group={third_line}",
        STAFF, overrides={"lead": DENIED}),
    Row("GET console/reports/wall/", "/console/reports/wall/", STAFF),
    # The reports (issue 16): desk staff, each their own scope (an agent their own figures); customers 403.
    Row("GET /api/v1/reports/kpis", "/api/v1/reports/kpis?compare=1", STAFF_READS),
    Row("GET /api/v1/reports/kpis another agent", "/api/v1/reports/kpis?agent={manager_id}", MANAGERS),
    Row("GET /api/v1/reports/kpis/{key}/breakdown", "/api/v1/reports/kpis/tickets_created/breakdown?by=agent",
        STAFF_READS),
    Row("GET /api/v1/reports/kpis/{key}/distribution", "/api/v1/reports/kpis/backlog/distribution", STAFF_READS),
    Row("GET /api/v1/reports/kpis/{key}/tickets", "/api/v1/reports/kpis/backlog/tickets?limit=200", STAFF_READS),
    # --- report exports and subscriptions (issue 16, kp-export): the world's subscription is agent2's -------------
    Row("GET /api/v1/reports/export", "/api/v1/reports/export?format=csv&by=group", STAFF_READS),
    Row("GET console/reports/export.<str:fmt>", "/console/reports/export.xlsx?by=group,agent", STAFF),
    Row("GET console/reports/subscriptions/", "/console/reports/subscriptions/", STAFF),
    Row("POST console/reports/subscriptions/", "/console/reports/subscriptions/", STAFF,
        {"frequency": "weekly", "language": "en", "time_zone": "UTC"}),
    Row("POST console/reports/subscriptions/<id:pk>/", "/console/reports/subscriptions/{report_subscription}/",
        NOBODY_ELSE, {"frequency": "daily"}),
    Row("POST console/reports/subscriptions/<id:pk>/delete/",
        "/console/reports/subscriptions/{report_subscription}/delete/", NOBODY_ELSE),
    # The unsubscribe link needs no sign-in: whoever holds a link the desk signed stops that one report.
    Row("GET report-mail/unsubscribe/<str:token>/", "/report-mail/unsubscribe/{report_unsubscribe}/", PUBLIC),
    Row("POST report-mail/unsubscribe/<str:token>/", "/report-mail/unsubscribe/{report_unsubscribe}/", PUBLIC),
    Row("GET report-mail/unsubscribe/<str:token>/ forged", "/report-mail/unsubscribe/1:forged/", GONE),
    # --- changes (issue 18): every ticket of the world carries a change record ---------------------------
    Row("GET /api/v1/changes", "/api/v1/changes?limit=200", STAFF_READS),
    Row("POST /api/v1/changes", "/api/v1/changes", STAFF_READS, {"title": "Matrix probe"}),
    Row("GET /api/v1/changes/calendar", "/api/v1/changes/calendar?start=2026-12-01T00:00:00Z&end=2027-01-01T00:00:00Z",
        STAFF_READS),
    Row("GET /api/v1/changes/freezes", "/api/v1/changes/freezes", STAFF_READS),
    Row("GET /api/v1/changes/templates", "/api/v1/changes/templates", STAFF_READS),
    Row("GET /api/v1/changes/{ticket_id}", "/api/v1/changes/{ticket}", TICKET),
    Row("PATCH /api/v1/changes/{ticket_id}", "/api/v1/changes/{ticket}", TICKET, {"risk": 1}),
    Row("POST /api/v1/changes/{ticket_id}/transitions", "/api/v1/changes/{ticket}/transitions", TICKET,
        {"action": "cancel"}),
    Row("GET console/changes/", "/console/changes/", STAFF_ONLY),
    Row("GET console/changes/new/", "/console/changes/new/", STAFF_ONLY),
    Row("POST console/changes/new/", "/console/changes/new/", STAFF_ONLY,
        {"title": "Matrix probe", "kind": "normal", "risk": "2", "impact": "2"}),
    Row("GET console/changes/calendar/", "/console/changes/calendar/?view=week&date=2026-12-07", STAFF_ONLY),
    Row("GET console/changes/<str:number>/", "/console/changes/{number}/", TICKET),
    Row("POST console/changes/<str:number>/", "/console/changes/{number}/", TICKET,
        {"title": "Matrix probe", "kind": "normal", "risk": "2", "impact": "2"}),
    Row("POST console/changes/<str:number>/move/<slug:action>/", "/console/changes/{number}/move/cancel/", TICKET),
    # --- approvals (issue 18): the world's approval asks the manager about customer2's ticket in the 3rd line ------
    Row("GET /api/v1/approvals", "/api/v1/approvals", OPEN),
    Row("POST /api/v1/approvals", "/api/v1/approvals", TICKET, {"ticket": "{number}", "policy": "{approval_policy}"},
        overrides={"customer_a": DENIED, "customer_b": DENIED}),
    Row("GET /api/v1/approvals/policies", "/api/v1/approvals/policies", STAFF_READS),
    Row("GET /api/v1/approvals/delegations", "/api/v1/approvals/delegations", OPEN),
    # A customer names staff or their own organisation's people: another organisation's customer is nobody.
    Row("POST /api/v1/approvals/delegations", "/api/v1/approvals/delegations",
        OPEN | {"customer_a": HIDDEN, "customer_b": HIDDEN},
        {"delegate": "{other_customer}", "starts": "2030-01-01T08:00:00Z", "ends": "2030-01-08T08:00:00Z"}),
    Row("DELETE /api/v1/approvals/delegations/{delegation_id}", "/api/v1/approvals/delegations/{delegation}",
        NOBODY | {"manager": ALLOWED, "admin": ALLOWED}),
    Row("GET /api/v1/approvals/{approval_id}", "/api/v1/approvals/{approval}", APPROVAL),
    Row("POST /api/v1/approvals/{approval_id}/decide", "/api/v1/approvals/{approval}/decide",
        APPROVAL | {"admin": DENIED}, {"outcome": "approve", "comment": "Matrix probe"}),
    Row("POST /api/v1/approvals/{approval_id}/cancel", "/api/v1/approvals/{approval}/cancel", APPROVAL, {}),
    Row("GET console/approvals/", "/console/approvals/", STAFF_ONLY),
    Row("POST console/approvals/<id:pk>/decide/", "/console/approvals/{approval}/decide/", STAFF_ONLY,
        {"outcome": "approve", "version": "{approval_version}"}),
    Row("POST console/approvals/delegations/", "/console/approvals/delegations/", STAFF_ONLY,
        {"delegate": "agent2", "starts": "2030-01-01T08:00", "ends": "2030-01-08T08:00"}),
    Row("POST console/approvals/delegations/<id:pk>/end/", "/console/approvals/delegations/{delegation}/end/",
        STAFF_ONLY),
    Row("POST console/approvals/<id:pk>/cancel/", "/console/approvals/{approval}/cancel/", APPROVAL
        | {"customer_a": HIDDEN, "customer_b": HIDDEN}, {"version": "{approval_version}"}),
    Row("GET portal/approvals/", "/portal/approvals/", OPEN),
    Row("POST portal/approvals/<id:pk>/decide/", "/portal/approvals/{approval}/decide/", OPEN,
        {"outcome": "approve", "version": "{approval_version}"}),
    Row("POST portal/approvals/delegations/", "/portal/approvals/delegations/", OPEN,
        {"delegate": "agent2", "starts": "2030-01-01T08:00", "ends": "2030-01-08T08:00"}),
    Row("POST portal/approvals/delegations/<id:pk>/end/", "/portal/approvals/delegations/{delegation}/end/", OPEN),
    # The approval link needs no sign-in; a token the desk did not sign is nothing, for everyone.
    Row("GET approvals/link/<path:token>/", "/approvals/link/1/2/1:forged:token/", GONE),
    Row("POST approvals/link/<path:token>/", "/approvals/link/1/2/1:forged:token/", GONE),
    *CMDB_ROWS,
    # --- problems (issue 18): the world's problem P is opened from C (3rd line), owned by the manager ---------
    Row("GET /api/v1/problems", "/api/v1/problems", STAFF_READS),
    Row("POST /api/v1/problems", "/api/v1/problems", STAFF_READS, {"incidents": ["{visible_number}"]}),
    Row("GET /api/v1/problems/trends", "/api/v1/problems/trends", STAFF_READS),
    Row("GET /api/v1/problems/{problem_id}", "/api/v1/problems/{problem}", PROBLEM),
    Row("PATCH /api/v1/problems/{problem_id}", "/api/v1/problems/{problem}", PROBLEM, {"root_cause": "Probe"}),
    Row("POST /api/v1/problems/{problem_id}/incidents", "/api/v1/problems/{problem}/incidents", PROBLEM,
        {"incident": "{visible_number}"}),
    Row("DELETE /api/v1/problems/{problem_id}/incidents/{incident_id}",
        "/api/v1/problems/{problem}/incidents/{problem_incident}", PROBLEM),
    Row("POST /api/v1/problems/{problem_id}/known-error", "/api/v1/problems/{problem}/known-error", PROBLEM),
    Row("POST /api/v1/problems/{problem_id}/resolve", "/api/v1/problems/{problem}/resolve", PROBLEM,
        {"resolution": "Probe"}),
    Row("GET console/problems/", "/console/problems/", STAFF_ONLY),
    Row("POST console/problems/new/", "/console/problems/new/", STAFF_ONLY, {"incidents": "{visible_number}"}),
    Row("GET console/problems/trends/", "/console/problems/trends/", STAFF_ONLY),
    Row("GET console/problems/<str:number>/", "/console/problems/{problem_number}/", TICKET),
    Row("POST console/problems/<str:number>/analysis/", "/console/problems/{problem_number}/analysis/", TICKET,
        {"root_cause": "Probe"}),
    Row("POST console/problems/<str:number>/known-error/", "/console/problems/{problem_number}/known-error/",
        TICKET),
    Row("POST console/problems/<str:number>/resolve/", "/console/problems/{problem_number}/resolve/", TICKET,
        {"resolution": "Probe"}),
    Row("POST console/problems/<str:number>/incidents/", "/console/problems/{problem_number}/incidents/", TICKET,
        {"number": "{visible_number}"}),
    Row("POST console/problems/<str:number>/incidents/<id:incident_id>/unlink/",
        "/console/problems/{problem_number}/incidents/{problem_incident}/unlink/", TICKET),
    Row("POST console/tickets/<str:number>/problem/link/", C + "/problem/link/", TICKET,
        {"problem": "{problem_number}"}),
    # --- satisfaction surveys (issue 16): ticket A has a low rating -------------------------------------------
    # Only the requester rates: staff who see the ticket are refused; a requester's unresolved ticket is a 400.
    Row("POST /api/v1/tickets/{ticket_id}/survey", T + "/survey", TICKET | {"manager": DENIED, "admin": DENIED},
        {"rating": 5}),
    Row("POST /api/v1/tickets/{ticket_id}/survey visible", "/api/v1/tickets/{visible}/survey", SURVEY_RATERS,
        {"rating": 5}),
    Row("POST console/tickets/<str:number>/surveys/<id:survey_id>/follow-up/", C + "/surveys/{survey}/follow-up/",
        TICKET),
    Row("GET console/surveys/texts/", "/console/surveys/texts/", SURVEY_TEXTS),
    Row("POST console/surveys/texts/", "/console/surveys/texts/", SURVEY_TEXTS, {"en-question": "Matrix probe"}),
    # The rating link needs no sign-in; a token the desk did not sign is nothing, for everyone.
    Row("GET survey/<path:token>/", "/survey/1/1/5:forged:token/", GONE),
    Row("POST survey/<path:token>/", "/survey/1/1/5:forged:token/", GONE, {"rating": "5"}),
    # Single sign-on: open to everyone, signed in or not; the world has no identity provider (tests/sso).
    Row("GET sso/<slug:slug>/start/", "/sso/nowhere/start/", GONE),
    Row("GET sso/<slug:slug>/callback/", "/sso/nowhere/callback/?state=x", GONE),
    Row("POST sso/<slug:slug>/acs/", "/sso/nowhere/acs/", GONE, {"SAMLResponse": "x"}),
    Row("GET sso/<slug:slug>/metadata/", "/sso/nowhere/metadata/", GONE),
    *_people_rows(),
    # --- two-factor and passkeys (issue 19): each person's own; nobody has a passkey, so any is someone else's ---
    Row("GET security/", "/security/", OPEN),
    Row("GET security/enrol/", "/security/enrol/", OPEN),
    Row("GET security/totp/", "/security/totp/", OPEN),
    Row("POST security/totp/", "/security/totp/", OPEN, {"code": "000000"}),
    Row("POST security/totp/remove/", "/security/totp/remove/", OPEN),
    Row("GET security/passkeys/", "/security/passkeys/", OPEN),
    Row("POST security/passkeys/options/", "/security/passkeys/options/", OPEN),
    Row("POST security/passkeys/register/", "/security/passkeys/register/", OPEN),
    Row("POST security/passkeys/<int:passkey_id>/remove/", "/security/passkeys/2147483000/remove/", NOBODY),
    Row("POST security/recovery-codes/", "/security/recovery-codes/", OPEN),
    Row("GET security/verify/", "/security/verify/", OPEN),
    Row("POST security/verify/", "/security/verify/", OPEN, {"code": "000000"}),
    Row("POST security/verify/passkey/options/", "/security/verify/passkey/options/", OPEN),
    Row("POST security/verify/passkey/", "/security/verify/passkey/", OPEN),
    Row("POST security/reset/", "/security/reset/", ADMIN_WRITES, {"username": "customer1"}),
]
ADMIN_PREFIX = "admin/"  # the admin site's URLs, many and generated, are covered by the rows above


# ---------------------------------------------------------------------------------------------
# The desk the matrix runs against


TITLES = {"a": "Zebra crossing lights dead", "b": "Kumquat printer smoking", "c": "Walrus VPN meltdown",
          "x": "Zebra crossing lights flicker"}
INTERNAL_NOTE = "Internal only: the quokka admin password is on the wiki"
INTERNAL_FILE = "quokka-internal-notes.txt"


@pytest.fixture
def world(desk, settings, tmp_path):
    """Four tickets: A (customer1, organisation A, 2nd line: agent1 is not in it), B (customer3,
    organisation B, 2nd line), C (customer2, 3rd line: lead1 is not in it) and X (customer1, intake:
    agents see it), linked X→A, A→B, A→C, with internal notes and files."""
    settings.MEDIA_ROOT = tmp_path / "media"
    Organisation.objects.update(customers_see_organisation_tickets=False)
    staff = desk.manager

    def ticket(key, requester, group):
        t = actions.create_ticket(actor=requester, title=TITLES[key], description=f"About {TITLES[key]}")
        if group is not None:
            actions.assign(t, actor=staff, group=group)
        actions.add_comment(t, actor=staff, body=INTERNAL_NOTE, internal=True)
        actions.add_attachment(t, actor=requester, upload=SimpleUploadedFile("public.txt", b"public"))
        actions.add_attachment(t, actor=staff, upload=SimpleUploadedFile(INTERNAL_FILE, b"secret"), internal=True)
        return Ticket.objects.get(pk=t.pk)

    tickets = {"a": ticket("a", desk.customer1, desk.second_line), "b": ticket("b", desk.customer3, desk.second_line),
               "c": ticket("c", desk.customer2, desk.third_line), "x": ticket("x", desk.customer1, None)}
    for source, target in (("x", "a"), ("a", "b"), ("a", "c")):
        actions.link(tickets[source], tickets[target], "related", actor=staff)
    actions.log_time(tickets["a"], actor=staff, minutes=10)
    SavedView.objects.create(user=desk.agent2, name="agent2's own", queue="recent", query="")
    CannedResponse.objects.create(owner=desk.agent2, name="agent2's own", body="Private words")
    ApiToken.issue(desk.agent2, name="agent2's own")
    article = knowledge_actions.publish_article(knowledge_actions.create_article(
        knowledge_actions.ArticleInput(title="Matrix article", body="Probe"), actor=staff, channel="console"),
        actor=staff, channel="console")
    for t in tickets.values():
        links.link_article(t, article, actor=staff, channel="console")
    SearchGap.objects.create(query="matrix probe", key="matrix probe")
    knowledge_shelf(desk)
    notices.create_announcement(notices.AnnouncementInput(
        title="Mail down for A", organisations=[desk.customer1.organisation]), actor=staff, channel="console")
    Contact.objects.create(order=1, name="Matrix duty officer", email="duty@example.net")
    major_actions.declare(tickets["a"], actor=staff, reason="Matrix major", channel="console", publish_notice=False)
    SurveyResponse.objects.create(ticket=tickets["a"], resolution=1, rating=1, comment="Matrix survey",
                                  answered_at=tickets["a"].created_at, channel="portal")
    Robot.objects.create(name="Matrix robot", platform="wecom", webhook_url="https://chat.example.invalid/hook",
                         language="en", group=desk.third_line, events=["sla_breach"])
    matrix_source = AlertSource(name="Matrix", slug="matrix", kind=SourceKind.ALERTMANAGER)
    matrix_source.new_token()  # a token exists, and no person's token or session is taken for it
    matrix_source.save()
    for t in tickets.values():  # the changes' rows aim at the role's hidden ticket as a change
        ChangeRecord.objects.create(ticket=t, created_by=staff)
    matrix_approval(desk)
    problem = problem_actions.open_problem([tickets["c"]], actor=staff, channel="console", title="Walrus root cause")
    tickets["p"] = problem.ticket
    return {key: Ticket.objects.get(pk=t.pk) for key, t in tickets.items()}


def matrix_approval(desk):
    """customer2's request in the 3rd line (lead1 and agent1 are not in it), waiting for the manager; and a
    delegation of agent2's, nobody else's to end."""
    import datetime

    from django.utils import timezone

    from servicedesk.approvals import actions as approvals
    from servicedesk.approvals.models import ApprovalPolicy, ApprovalStep, Delegation, StepApprover

    policy = ApprovalPolicy.objects.create(name="Matrix approval")
    StepApprover.objects.create(step=ApprovalStep.objects.create(policy=policy, order=1), user=desk.manager)
    ticket = actions.create_ticket(actor=desk.customer2, title="Matrix approval wanted", type="service_request")
    actions.assign(ticket, actor=desk.manager, group=desk.third_line)
    approvals.request_approval(ticket, policy=policy, actor=desk.manager, channel="console")
    now = timezone.now()
    Delegation.objects.create(user=desk.agent2, delegate=desk.agent1, starts=now, ends=now + datetime.timedelta(days=1))


HIDDEN_TICKET = {"anonymous": "a", "customer_a": "b", "customer_b": "a", "agent_outside": "a", "lead": "c",
                 "manager": "a", "admin": "a"}
VISIBLE_TICKET = {"anonymous": "x", "customer_a": "a", "customer_b": "b", "agent_outside": "x", "lead": "a",
                  "manager": "x", "admin": "x"}


def targets(desk, world, role: str) -> dict:
    hidden, visible = world[HIDDEN_TICKET[role]], world[VISIBLE_TICKET[role]]
    user = desk.users.get(USERNAMES.get(role, ""))
    other = desk.customer1 if role == "customer_b" else desk.customer3
    attachment = Attachment.objects.filter(ticket=hidden, internal=False).first()
    return {
        "ticket": hidden.pk, "number": hidden.number, "version": hidden.version, "hidden_title": hidden.title,
        "hidden_number": hidden.number, "visible": visible.pk, "visible_number": visible.number,
        "visible_version": visible.version, "attachment": attachment.pk,
        "internal_attachment": Attachment.objects.get(ticket=visible, internal=True).pk,
        "link": TicketLink.objects.filter(source=hidden).first().pk if TicketLink.objects.filter(source=hidden)
        else TicketLink.objects.filter(target=hidden).first().pk,
        "other_customer": other.pk, "other_customer_username": other.username, "other_customer_email": other.email,
        "other_organisation": other.organisation_id, "own_id": user.pk if user else desk.agent1.pk,
        "group": desk.second_line.pk, "saved_view": SavedView.objects.get().pk,
        "canned": CannedResponse.objects.get(owner=desk.agent2).pk,
        "token": ApiToken.objects.get(user=desk.agent2, name="agent2's own").pk,
        "linked_article": Article.objects.get(title="Matrix article").pk, "gap": SearchGap.objects.get().pk,
        "calendar": Calendar.objects.order_by("id").first().pk, "policy": SlaPolicy.objects.order_by("id").first().pk,
        "staff_article": staff_article(desk).pk,
        **knowledge_targets(role),
        "notice": Announcement.objects.get(title="Mail down for A").pk,
        **webhook_targets(desk),
        "major": MajorIncident.objects.get().pk, "major_page": Page.objects.get().pk,
        "major_contact": Contact.objects.get().pk,
        "robot": Robot.objects.get(name="Matrix robot").pk, "third_line": desk.third_line.pk,
        "call": matrix_call(desk).pk,
        **report_mail_targets(desk),
        **approval_targets(),
        **cmdb_targets(desk, world),
        "problem": world["p"].pk, "problem_number": world["p"].number, "problem_incident": world["c"].pk,
        "survey": SurveyResponse.objects.get(comment="Matrix survey").pk,
    }


def report_mail_targets(desk) -> dict:
    from servicedesk.reportmail import actions as report_mail

    found = desk.agent2.report_subscriptions.first()
    if found is None:
        found = report_mail.subscribe(report_mail.SubscriptionInput(frequency="weekly", language="en",
                                                                    time_zone="UTC"),
                                      actor=desk.agent2, channel="console")
    return {"report_subscription": found.pk, "report_unsubscribe": report_mail.unsubscribe_token(found)}


def approval_targets() -> dict:
    from servicedesk.approvals.models import ApprovalPolicy, ApprovalRequest, Delegation

    approval = ApprovalRequest.objects.get(ticket__title="Matrix approval wanted")
    return {"approval": approval.pk, "approval_version": approval.version,
            "approval_policy": ApprovalPolicy.objects.get(name="Matrix approval").pk,
            "delegation": Delegation.objects.get().pk}


def webhook_targets(desk) -> dict:
    webhook, _made = Subscription.objects.get_or_create(
        name="Matrix webhook", defaults={"url": "http://127.0.0.1:9/", "events": ["ticket.created"]})
    delivery, _made = Delivery.objects.get_or_create(subscription=webhook, event_id="matrix",
                                                     defaults={"event": "ticket.created", "payload": {}})
    return {"webhook": webhook.pk, "delivery": delivery.pk}


def matrix_call(desk):
    """A call queued to the 2nd line of another desk than agent1's: a call of a desk agent1 does not work."""
    from servicedesk.accounts.models import Desk
    from servicedesk.telephony.models import Call

    found = Call.objects.filter(external_id="matrix-call").first()
    if found is None:
        from django.utils import timezone

        from servicedesk.accounts.identity import system_user
        from servicedesk.telephony import actions as calls

        other = Desk.objects.create(name="Matrix desk", prefix="MX")
        desk.second_line.desk = other
        desk.second_line.save()
        event = calls.CtiEvent(kind="offered", event_id="matrix-call", call_id="matrix-call", at=timezone.now(),
                               caller="13900001111", queue=desk.second_line.name)
        found, _ = calls.receive_event("default", event, {}, actor=system_user())
    return found


STAFF_ARTICLE = "Kumquat runbook for the desk only"


def staff_article(desk) -> Article:
    """A live staff-only article: no customer or visitor reads its title anywhere."""
    found = Article.objects.filter(title=STAFF_ARTICLE).first()
    if found is None:
        data = knowledge_actions.ArticleInput(title=STAFF_ARTICLE, body="Restart the kumquat.", audience="staff")
        found = knowledge_actions.create_article(data, actor=desk.agent1, channel="console")
        found = knowledge_actions.publish_article(found, actor=desk.manager, channel="console")
    return found


def secrets(desk, world, role: str) -> list[str]:
    """What no response to `role` may contain."""
    if role in ("manager", "admin"):
        return []
    user = desk.users.get(USERNAMES.get(role, ""))
    found = [text for t in world.values() if user is None or not permissions.can_see(user, t)
             for text in (t.number, t.title)]
    if user is None or user.is_customer:
        found += [INTERNAL_NOTE, INTERNAL_FILE, STAFF_ARTICLE]
        others = [u for u in (desk.customer1, desk.customer2, desk.customer3)
                  if user is None or u.organisation_id != user.organisation_id]
        for other in others:
            found += [other.username, other.display_name, other.email, other.organisation.name]
    found += knowledge_secrets(user)
    return found


# ---------------------------------------------------------------------------------------------
# Sending a row as a role


def clients(desk) -> dict:
    made = {"anonymous": (Client(raise_request_exception=False), Client(raise_request_exception=False))}
    for role, username in USERNAMES.items():
        user = desk.users[username]
        _, raw = ApiToken.issue(user)
        screens = Client(raise_request_exception=False)
        screens.force_login(user)
        made[role] = (Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}"), screens)
    return made


def fill(value, values: dict):
    if isinstance(value, str):
        text = value.format(**values)
        whole = value.strip("{}")
        return values[whole] if value == "{" + whole + "}" and isinstance(values.get(whole), int) else text
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    return value


def send(row: Row, role: str, made: dict, values: dict, override: dict | None = None):
    api_client, screen_client = made[role]
    url = row.url.format(**values)
    data = fill(row.data, values) if row.data is not None else None
    if override:
        data = {**(data or {}), **override}
    is_api = row.endpoint.startswith("/api/")
    client = api_client if is_api else screen_client
    if row.own_session:
        client = Client(raise_request_exception=False)
        client.cookies = screen_client.cookies.__class__(screen_client.cookies)
    method = row.method.lower()
    with transaction.atomic():
        if row.files:
            response = client.post(url, {"file": SimpleUploadedFile("probe.txt", b"probe")})
        elif is_api and method != "get":
            response = getattr(client, method)(url, data=json.dumps(data or {}), content_type="application/json")
        elif method == "get":
            response = client.get(url)
        else:
            response = getattr(client, method)(url, data or {})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        extra = CHECKS[row.check](row, role, values, made) if row.check in CHECKS else ""
        transaction.set_rollback(True)
    return response, body.decode("utf-8", "replace"), extra


def outcome_problem(row: Row, role: str, response) -> str:
    """Why the response is not of the class the matrix expects for this role, or ""."""
    status, expected = response.status_code, row.expected(role)
    location = response.get("Location", "")
    if status >= 500:
        return f"server error {status}"
    if expected == LOGIN:
        ok = status == 401 if row.endpoint.startswith("/api/") else status == 302 and location.startswith("/login/")
    elif expected == ADMIN_LOGIN:
        ok = status == 302 and location.startswith("/admin/login/")
    elif expected == HIDDEN:
        ok = status == 404
    elif expected == ANSWERED:
        ok = status not in (401, 405)
    elif expected == TO_PORTAL:
        ok = status == 302 and location == "/portal/"
    elif expected == DENIED:
        ok = status == 403
    else:
        ok = status not in (401, 403, 404, 405) and "/login/?next=" not in location
    return "" if ok else f"expected {expected}, got {status} {location}".strip()


def no_foreign_watcher(row, role, values, made) -> str:
    """Nobody became a watcher whom the caller may not name (another organisation's customer)."""
    other = User.objects.get(pk=values["other_customer"])
    watched = Ticket.watchers.through.objects.filter(user=other).exists()
    return f"{other.username} was made a watcher" if watched else ""


def _unmasked(body: str) -> str:
    """The page without its CSRF tokens (masked afresh on every response)."""
    return re.sub(r"[A-Za-z0-9]{64}", "<csrf>", body)


def same_as_none(role: str, made: dict, values: dict, row: Row, response, body: str) -> str:
    """A hidden ticket named in a form is answered as a ticket that does not exist."""
    if role not in RESTRICTED:
        return ""
    ghost = "SD-999999"
    missing, missing_body, _ = send(row, role, made, {**values, "hidden_number": ghost})
    if missing.status_code != response.status_code:
        return f"a hidden ticket answered {response.status_code}, a missing one {missing.status_code}"
    if _unmasked(body.replace(values["hidden_number"], ghost)) != _unmasked(missing_body):
        return "a hidden ticket answered with other words than a missing one"
    return ""


CHECKS = {"no_foreign_watcher": no_foreign_watcher}


def run_row(row: Row, role: str, made: dict, desk, world) -> list[str]:
    values = targets(desk, world, role)
    response, body, extra = send(row, role, made, values)
    problems = []
    problem = outcome_problem(row, role, response)
    if problem:
        problems.append(problem)
    if role in RESTRICTED:
        # What the role sent itself (a number typed into a form, a search) may come back: it learns nothing.
        sent = row.url.format(**values) + json.dumps(fill(row.data, values), ensure_ascii=False)
        leaked = [s for s in secrets(desk, world, role) if s and s in body and s not in sent]
        if leaked:
            problems.append(f"leaks {leaked}")
    if extra:
        problems.append(extra)
    if row.check == "same_as_none":
        different = same_as_none(role, made, values, row, response, body)
        if different:
            problems.append(different)
    return problems


# ---------------------------------------------------------------------------------------------
# The tests


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def endpoints() -> set[str]:
    """Every API operation ("METHOD /api/v1/…") and every other route of the site (by its route)."""
    found = set()
    for path, operations in ninja_api.get_openapi_schema()["paths"].items():
        found |= {f"{method.upper()} {path}" for method in operations}
    found |= {route for route in _routes(get_resolver().url_patterns)
              if not route.startswith(ADMIN_PREFIX) and not _is_api_operation(route)}
    return found


def _is_api_operation(route: str) -> bool:
    return route.startswith("api/v1/") and route not in ("api/v1/", "api/v1/openapi.json", "api/v1/docs")


def covered(row: Row) -> str:
    return row.endpoint if not row.endpoint.startswith("/api/") else f"{row.method} {row.endpoint}"


def test_every_endpoint_has_a_row():
    rows = {covered(row) for row in ROWS}
    missing = sorted(e for e in endpoints() if e not in rows and e.split(" ", 1)[-1] not in rows)
    assert not missing, "endpoints without a row in the permission matrix: " + ", ".join(missing)
    known = endpoints() | {route.split(" ", 1)[-1] for route in endpoints()}
    stale = sorted(r for r in rows if r not in known and not r.startswith(ADMIN_PREFIX))
    assert not stale, "rows naming no endpoint: " + ", ".join(stale)


def test_permission_matrix(desk, world, capsys):
    made = clients(desk)
    tried, failures = 0, []
    for row in ROWS:
        for role in ROLES:
            problems = run_row(row, role, made, desk, world)
            tried += 1 + (row.check == "same_as_none" and role in RESTRICTED) * 2
            if problems:
                failures.append(f"{row.key} as {role}: {'; '.join(problems)}")
    leaks = [f for f in failures if "leak" in f or "watcher" in f or "answered" in f]
    with capsys.disabled():  # the counts show in every run's log, passed or not
        print(f"\npermission matrix: {len(ROWS)} rows × {len(ROLES)} roles, {tried} requests tried, "
              f"{len(leaks)} leaks found, {len(failures) - len(leaks)} other failures")
    assert not failures, "\n".join(failures)


def test_the_matrix_catches_a_leak(desk, world):
    """The matrix's own check: a response naming a hidden ticket is found."""
    made = clients(desk)
    values = targets(desk, world, "agent_outside")
    hidden = world["a"]
    Comment.objects.create(ticket=world["x"], author=desk.manager, body=f"See {hidden.number}", internal=True)
    row = Row("GET /api/v1/tickets/{ticket_id}/comments visible", "/api/v1/tickets/{visible}/comments", OPEN)
    response, body, _ = send(row, "agent_outside", made, values)
    assert response.status_code == 200 and hidden.number in body
    assert any("leak" in p for p in run_row(row, "agent_outside", made, desk, world))


def test_link_history_names_only_tickets_the_reader_may_see(api, desk, world):
    """A link's history row names the other ticket: agent1 reads X's history with A's number hidden,
    the manager with it; customer1 reads A's with X's (theirs) and without B's and C's numbers."""
    def linked(username, ticket):
        response = api(username).get(f"tickets/{ticket.pk}/history")
        assert response.status_code == 200
        return {h["new"] for h in response.json_body if h["field"] == "link"}

    a, b, c, x = world["a"], world["b"], world["c"], world["x"]
    hidden = "related (a ticket you cannot see)"
    assert linked("agent1", x) == {hidden}
    assert linked("manager", x) == {f"related {a.number}"}
    assert linked("customer1", a) == {f"related {x.number}", hidden}
    assert linked("manager", a) == {f"related {t.number}" for t in (x, b, c)}


# ---------------------------------------------------------------------------------------------
# The knowledge base's part of the desk (issue 14)

ARTICLE_TITLES = {"public": "Aardvark public printer guide", "customers": "Bison customers VPN guide",
                  "org_b": "Capybara organisation B wiki", "staff": "Dingo staff-only runbook",
                  "draft": "Emu draft never published"}
# The article each role may not read (staff read them all: they get the staff-only one).
HIDDEN_ARTICLE = {"anonymous": "customers", "customer_a": "org_b", "customer_b": "staff"}


def knowledge_shelf(desk) -> None:
    """Five articles (public, every customer, organisation B only, staff only, a public draft), each with a file."""
    from servicedesk.core import audit
    from servicedesk.knowledge import actions as knowledge
    from servicedesk.knowledge.actions import files

    for key, title in ARTICLE_TITLES.items():
        audience = {"public": "public", "draft": "public", "staff": "staff"}.get(key, "customers")
        article = knowledge.create_article(knowledge.ArticleInput(
            title=title, body=f"About {title}", audience=audience,
            organisations=[desk.customer3.organisation] if key == "org_b" else None),
            actor=desk.agent2, channel=audit.Channel.CONSOLE)
        if key != "draft":
            knowledge.publish_article(article, actor=desk.manager, channel=audit.Channel.CONSOLE)
        files.add_attachment(article, upload=SimpleUploadedFile("x.txt", b"x"), actor=desk.agent2,
                             channel=audit.Channel.CONSOLE)


def knowledge_targets(role: str) -> dict:
    from servicedesk.knowledge.models import Article, ArticleAttachment

    articles = {a.title: a for a in Article.objects.all()}
    hidden = articles[ARTICLE_TITLES[HIDDEN_ARTICLE.get(role, "staff")]]
    public = articles[ARTICLE_TITLES["public"]]
    return {"article": hidden.pk, "article_version": hidden.version, "article_word": hidden.title.split()[0],
            "public_article": public.pk, "public_article_version": public.version,
            "article_file": ArticleAttachment.objects.get(article=hidden).pk,
            "public_file": ArticleAttachment.objects.get(article=public).pk,
            "manager_id": User.objects.get(username="manager").pk}


def knowledge_secrets(user) -> list[str]:
    """The titles of the articles `user` may not read (staff read every one)."""
    from servicedesk.knowledge import visibility
    from servicedesk.knowledge.models import Article

    if visibility.sees_working_copies(user):
        return []
    readable = set(visibility.readable(user).values_list("pk", flat=True))
    return [a.title for a in Article.objects.exclude(pk__in=readable)]


def cmdb_targets(desk, world) -> dict:
    """customer1's laptop, linked to tickets A and C, connected to a server (made once per test)."""
    from servicedesk.cmdb import actions as cmdb_actions
    from servicedesk.cmdb.models import CiType, ConfigItem, Relation

    laptop = ConfigItem.objects.filter(name="Matrix laptop").first()
    if laptop is None:
        kind = CiType.objects.create(key="matrix", name="Matrix")
        make = cmdb_actions.ItemInput
        laptop = cmdb_actions.create_item(actor=desk.manager, channel="console",
                                          data=make(type=kind, name="Matrix laptop", user=desk.customer1))
        server = cmdb_actions.create_item(actor=desk.manager, channel="console",
                                          data=make(type=kind, name="Matrix server"))
        cmdb_actions.add_relation(laptop, server, "connected_to", actor=desk.manager, channel="console")
        for key in ("a", "c"):
            cmdb_actions.link_item(world[key], laptop, actor=desk.manager, channel="console")
    relation = Relation.objects.get(source=laptop)
    return {"ci_laptop": laptop.pk, "ci_server": relation.target_id, "ci_relation": relation.pk}

"""Links between tickets (parent/child, related, duplicate-of, caused-by a problem) and merging duplicates."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicedesk.tickets import actions
from servicedesk.tickets.models import Attachment, Comment, HistoryEntry, Status, TicketLink, TicketType
from tests.tickets.lifecycle import fresh, history_count, make_ticket


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def new(desk, title, type=TicketType.INCIDENT, requester=None):
    return actions.create_ticket(actor=desk.agent1, requester=requester or desk.customer1, title=title,
                                 type=type)


def link(api, source, target, kind, user="agent1"):
    return api(user).post(f"tickets/{source.pk}/links", {"target": target.number, "kind": kind})


def history(ticket, event):
    return [(h.field, h.old_value, h.new_value, h.actor.username)
            for h in HistoryEntry.objects.filter(ticket=ticket, event=event).order_by("id")]


@pytest.mark.parametrize("kind", ["child_of", "related", "duplicate_of", "caused_by"])
def test_each_kind_links_and_both_sides_show_it(api, desk, kind):
    source = new(desk, "VPN down for me")
    target = new(desk, "VPN gateway fault", type=TicketType.PROBLEM)
    response = link(api, source, target, kind)
    assert response.status_code == 201, response.json_body
    body = response.json_body
    assert (body["kind"], body["direction"], body["other_number"]) == (kind, "outgoing", target.number)
    assert body["ticket"] == {"id": target.pk, "name": f"{target.number} {target.title}"}
    stored = TicketLink.objects.get()
    assert (stored.source, stored.target, stored.kind) == (source, target, kind)
    assert stored.created_by == desk.agent1

    incoming = api("agent1").get(f"tickets/{target.pk}/links").json_body
    assert [(x["id"], x["kind"], x["direction"], x["other_number"]) for x in incoming] == [
        (stored.pk, kind, "incoming", source.number)
    ]
    assert history(source, "linked") == [("link", "", f"{kind} {target.number}", "agent1")]
    assert history(target, "linked_from") == [("link", "", f"{kind} {source.number}", "agent1")]
    assert fresh(source).version == source.version + 1


def test_target_by_id_works_too(api, desk):
    a, b = new(desk, "a"), new(desk, "b")
    response = api("agent1").post(f"tickets/{a.pk}/links", {"target": str(b.pk), "kind": "related"})
    assert response.status_code == 201
    missing = api("agent1").post(f"tickets/{a.pk}/links", {"target": "SD-999999", "kind": "related"})
    assert missing.status_code == 404
    assert missing.json_body["message"]


def test_caused_by_only_a_problem(api, desk):
    incident = new(desk, "Mail bounces")
    for kind in set(TicketType.values) - {TicketType.PROBLEM}:
        other = new(desk, f"not a problem: {kind}", type=kind)
        response = link(api, incident, other, "caused_by")
        assert response.status_code == 400, kind
        assert response.json_body["message"]
    assert not TicketLink.objects.exists()
    assert HistoryEntry.objects.filter(event="linked").count() == 0
    problem = new(desk, "Mail relay misconfigured", type=TicketType.PROBLEM)
    assert link(api, incident, problem, "caused_by").status_code == 201


def test_no_self_link(api, desk):
    ticket = new(desk, "x", type=TicketType.PROBLEM)
    for kind in ("child_of", "related", "duplicate_of", "caused_by"):
        response = link(api, ticket, ticket, kind)
        assert response.status_code == 400, kind
        assert response.json_body["message"]
    assert not TicketLink.objects.exists()
    assert history_count(ticket) == 1


def test_no_duplicate_link(api, desk):
    a, b = new(desk, "a"), new(desk, "b")
    assert link(api, a, b, "related").status_code == 201
    again = link(api, a, b, "related")
    assert again.status_code == 400
    assert again.json_body["message"]
    assert TicketLink.objects.count() == 1
    assert len(history(a, "linked")) == 1
    # Another kind between the same two is another link.
    assert link(api, a, b, "duplicate_of").status_code == 201


def test_no_parent_loop(api, desk):
    a, b, c = new(desk, "a"), new(desk, "b"), new(desk, "c")
    assert link(api, a, b, "child_of").status_code == 201  # a under b
    direct = link(api, b, a, "child_of")
    assert direct.status_code == 400
    assert direct.json_body["message"]
    assert link(api, b, c, "child_of").status_code == 201  # b under c
    indirect = link(api, c, a, "child_of")
    assert indirect.status_code == 400, "c is above a: making c a child of a closes a loop"
    assert set(TicketLink.objects.values_list("source__title", "target__title")) == {("a", "b"), ("b", "c")}


def test_only_one_parent(api, desk):
    child, first, second = new(desk, "child"), new(desk, "first parent"), new(desk, "second parent")
    assert link(api, child, first, "child_of").status_code == 201
    response = link(api, child, second, "child_of")
    assert response.status_code == 400
    assert child.number in response.json_body["message"]
    # A parent may have many children.
    sibling = new(desk, "sibling")
    assert link(api, sibling, first, "child_of").status_code == 201
    assert TicketLink.objects.filter(target=first, kind="child_of").count() == 2


def test_unlink(api, desk):
    a, b = new(desk, "a"), new(desk, "b")
    created = link(api, a, b, "related").json_body
    # Removing through the other side works as well: the link belongs to both.
    assert api("agent1").delete(f"tickets/{b.pk}/links/{created['id']}").status_code == 204
    assert not TicketLink.objects.exists()
    assert history(a, "unlinked") == [("link", f"related {b.number}", "", "agent1")]
    assert history(b, "unlinked") == [("link", f"related {a.number}", "", "agent1")]
    assert api("agent1").get(f"tickets/{a.pk}/links").json_body == []
    gone = api("agent1").delete(f"tickets/{a.pk}/links/{created['id']}")
    assert gone.status_code == 404


def test_unlink_through_an_unrelated_ticket_is_refused(api, desk):
    a, b, c = new(desk, "a"), new(desk, "b"), new(desk, "c")
    created = link(api, a, b, "related").json_body
    response = api("agent1").delete(f"tickets/{c.pk}/links/{created['id']}")
    assert response.status_code == 404
    assert TicketLink.objects.count() == 1


def test_customers_cannot_link_or_unlink(api, desk):
    a, b = new(desk, "a"), new(desk, "b")
    response = link(api, a, b, "related", user="customer1")
    assert response.status_code == 403
    assert not TicketLink.objects.exists()
    created = link(api, a, b, "related").json_body
    assert api("customer1").delete(f"tickets/{a.pk}/links/{created['id']}").status_code == 403
    assert TicketLink.objects.count() == 1
    # They do see links between their own tickets.
    assert [x["other_number"] for x in api("customer1").get(f"tickets/{a.pk}/links").json_body] == [b.number]


def test_unknown_kind_is_refused(api, desk):
    a, b = new(desk, "a"), new(desk, "b")
    response = link(api, a, b, "blocks")
    assert response.status_code == 422
    assert response.json_body["message"]
    with pytest.raises(actions.ActionError):
        actions.link(a, b, "blocks", actor=desk.agent1)


# ---------------------------------------------------------------------------------------------
# Merge


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="text/plain")


@pytest.fixture
def duplicate(desk):
    """customer1 reports the same thing twice: a reply, a note and two files on the duplicate."""
    original = make_ticket(desk, Status.IN_PROGRESS, title="Printer on 3rd floor jams")
    actions.add_comment(original, actor=desk.agent2, body="Ordered a new roller.")
    copy = actions.create_ticket(actor=desk.customer1, title="3rd floor printer broken")
    actions.add_comment(copy, actor=desk.customer1, body="It jams every page.",
                        attachments=[upload("photo.txt", b"jam")])
    actions.add_comment(copy, actor=desk.agent1, body="Same as the other one", internal=True)
    actions.add_attachment(copy, actor=desk.agent1, upload=upload("notes.txt", b"n"), internal=True)
    actions.set_watchers(copy, actor=desk.agent1, add=[desk.lead1])
    return original, copy


def test_merge_moves_the_conversation_and_closes_the_duplicate(api, desk, duplicate):
    original, copy = duplicate
    moved_comments = set(Comment.objects.filter(ticket=copy).values_list("id", flat=True))
    moved_files = set(Attachment.objects.filter(ticket=copy).values_list("id", flat=True))
    assert len(moved_comments) == 2 and len(moved_files) == 2
    original_comments = set(Comment.objects.filter(ticket=original).values_list("id", flat=True))

    response = api("agent1").post(f"tickets/{copy.pk}/merge", {"into": original.number})
    assert response.status_code == 200, response.json_body
    assert response.json_body["id"] == original.pk
    assert response.json_body["status"] == "in_progress"

    assert set(Comment.objects.filter(ticket=original).values_list("id", flat=True)) == (
        original_comments | moved_comments)
    assert not Comment.objects.filter(ticket=copy).exists()
    assert set(Attachment.objects.filter(ticket=original).values_list("id", flat=True)) == moved_files
    assert not Attachment.objects.filter(ticket=copy).exists()
    link = TicketLink.objects.get()
    assert (link.source, link.target, link.kind) == (copy, original, "duplicate_of")

    merged = fresh(copy)
    assert merged.status == Status.CLOSED
    assert merged.merged_into == original
    assert merged.closed_at is not None and merged.resolved_at is not None
    assert api("agent1").get(f"tickets/{copy.pk}").json_body["merged_into"] == original.number

    assert history(original, "merged_in") == [("merge", "", copy.number, "agent1")]
    assert HistoryEntry.objects.get(ticket=original, event="merged_in").note == \
        f"2 comments moved from {copy.number}"
    out = history(copy, "merged")
    assert ("merge", "", original.number, "agent1") in out
    assert ("merged_into", "", original.number, "agent1") in out
    assert ("status", "new", "closed", "agent1") in out
    # Who followed the duplicate now follows the original.
    assert set(fresh(original).watchers.values_list("username", flat=True)) == {"lead1"}


def test_moved_files_download_from_the_original(api, desk, duplicate):
    original, copy = duplicate
    api("agent1").post(f"tickets/{copy.pk}/merge", {"into": original.number})
    files = api("agent2").get(f"tickets/{original.pk}/attachments").json_body
    assert sorted(f["filename"] for f in files) == ["notes.txt", "photo.txt"]
    photo = next(f for f in files if f["filename"] == "photo.txt")
    response = api("agent2").client.get(photo["download_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"jam"
    comments = api("customer1").get(f"tickets/{original.pk}/comments").json_body
    assert "Same as the other one" not in [c["body"] for c in comments], "internal notes stay internal"


def test_cannot_merge_into_itself(api, desk, duplicate):
    _, copy = duplicate
    response = api("agent1").post(f"tickets/{copy.pk}/merge", {"into": copy.number})
    assert response.status_code == 400
    assert response.json_body["message"]
    assert fresh(copy).status == Status.NEW and fresh(copy).merged_into is None


def test_cannot_merge_into_a_closed_ticket(api, desk, duplicate):
    _, copy = duplicate
    closed = make_ticket(desk, Status.CLOSED, title="old")
    before = Comment.objects.filter(ticket=copy).count()
    response = api("agent1").post(f"tickets/{copy.pk}/merge", {"into": closed.number})
    assert response.status_code == 400
    assert closed.number in response.json_body["message"]
    assert Comment.objects.filter(ticket=copy).count() == before
    assert not TicketLink.objects.exists()
    assert fresh(copy).status == Status.NEW


def test_cannot_merge_twice(api, desk, duplicate):
    original, copy = duplicate
    third = make_ticket(desk, Status.ACKNOWLEDGED, title="third")
    assert api("agent1").post(f"tickets/{copy.pk}/merge", {"into": original.number}).status_code == 200
    again = api("agent1").post(f"tickets/{copy.pk}/merge", {"into": third.number})
    assert again.status_code == 400
    assert fresh(copy).merged_into == original


def test_customers_cannot_merge(api, desk):
    a = make_ticket(desk, title="a")
    b = make_ticket(desk, title="b")
    response = api("customer1").post(f"tickets/{a.pk}/merge", {"into": b.number})
    assert response.status_code == 403
    assert fresh(a).status == Status.NEW and fresh(a).merged_into is None


def test_a_merged_ticket_cannot_be_reopened(api, desk, duplicate):
    original, copy = duplicate
    api("agent1").post(f"tickets/{copy.pk}/merge", {"into": original.number})
    for user in ("customer1", "agent1", "manager"):
        seen = api(user).get(f"tickets/{copy.pk}").json_body
        assert "reopen" not in seen["actions"], user
        response = api(user).post(f"tickets/{copy.pk}/transitions", {"action": "reopen"})
        assert response.status_code == 400, user
        assert original.number in response.json_body["message"]
    assert fresh(copy).status == Status.CLOSED


def test_merging_a_resolved_ticket_keeps_its_resolution_time(api, desk):
    original = make_ticket(desk, Status.ASSIGNED, title="original")
    copy = make_ticket(desk, Status.RESOLVED, title="copy")
    resolved_at = copy.resolved_at
    assert api("agent2").post(f"tickets/{copy.pk}/merge", {"into": str(original.pk)}).status_code == 200
    merged = fresh(copy)
    assert merged.resolved_at == resolved_at
    assert merged.closed_at >= resolved_at


def test_tickets_of_different_requesters_are_not_merged(api, desk):
    """Merging would hand one customer's conversation to another: refused, nothing moves."""
    theirs = actions.create_ticket(actor=desk.customer3, title="VPN down")
    actions.add_comment(theirs, actor=desk.customer3, body="My home address is ...")
    mine = make_ticket(desk, Status.ACKNOWLEDGED, title="VPN down too")
    response = api("manager").post(f"tickets/{theirs.pk}/merge", {"into": mine.number})
    assert response.status_code == 400
    assert "different requesters" in response.json_body["message"]
    assert Comment.objects.filter(ticket=theirs).count() == 1
    assert fresh(theirs).merged_into is None and fresh(theirs).status == Status.NEW
    bodies = [c["body"] for c in api("customer1").get(f"tickets/{mine.pk}/comments").json_body]
    assert "My home address is ..." not in bodies

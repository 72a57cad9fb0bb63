"""Bad input to the people acts, found trying the screens and the API as their users would: the API's
new customer is checked as the console's is, an edit does not leave a person nameless, and the screen says
what it shows in Chinese."""

from servicedesk.accounts.models import User

from .test_console import signed_in


def test_a_new_customer_through_the_api_needs_a_name_and_a_known_language(api):
    blank = api("agent1").post("people", {"name": "   ", "email": "blank@example.org"})
    assert blank.status_code == 400 and blank.json_body["message"] == "A person needs a name."
    odd = api("agent1").post("people", {"name": "Odd", "email": "odd@example.org", "language": "xx"})
    assert odd.status_code == 400 and "Unknown language: xx" in odd.json_body["message"]
    assert not User.objects.filter(email__in=["blank@example.org", "odd@example.org"]).exists()


def test_an_edit_may_not_clear_a_persons_name(api, desk):
    cleared = api("agent1").patch(f"people/{desk.customer2.pk}", {"first_name": "", "last_name": " "})
    assert cleared.status_code == 400 and cleared.json_body["message"] == "A person needs a name."
    User.objects.filter(pk=desk.agent1.pk).update(language="zh-hans")
    client = signed_in(User.objects.get(pk=desk.agent1.pk), "zh-hans")
    answer = client.post(f"/console/people/{desk.customer2.pk}/", {"first_name": "", "last_name": "",
                                                                  "email": desk.customer2.email})
    assert answer.status_code == 400 and "此人需要一个姓名。" in answer.content.decode()
    desk.customer2.refresh_from_db()
    assert desk.customer2.display_name.strip()


def test_a_person_made_without_a_name_can_still_be_edited(api):
    made = User.objects.create(username="bare@example.org", email="bare@example.org", role="customer")
    changed = api("agent1").patch(f"people/{made.pk}", {"first_name": "", "last_name": "", "phone": "123"})
    assert changed.status_code == 200 and changed.json_body["phone"] == "123"


def test_a_persons_details_are_not_called_a_description_in_chinese(desk):
    User.objects.filter(pk=desk.agent1.pk).update(language="zh-hans")
    page = signed_in(User.objects.get(pk=desk.agent1.pk), "zh-hans").get(f"/console/people/{desk.customer2.pk}/")
    assert '<h2 id="details">基本信息</h2>' in page.content.decode()

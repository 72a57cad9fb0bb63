"""`servicedesk createsuperuser` makes the first administrator: it can open the console, not only /admin/."""

import pytest
from django.core.management import call_command

from servicedesk.accounts.models import Role, User


@pytest.mark.django_db
def test_createsuperuser_makes_an_administrator_who_signs_in_to_the_console(client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "first-admin-Passw0rd")
    call_command("createsuperuser", "--noinput", username="root", email="root@example.com")
    user = User.objects.get(username="root")
    assert (user.role, user.is_staff, user.is_superuser) == (Role.ADMIN, True, True)
    client.force_login(user)
    console = client.get("/console/", follow=True)
    assert console.status_code == 200 and console.request["PATH_INFO"].startswith("/console/")
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_an_ordinary_account_is_still_a_customer():
    assert User.objects.create_user("someone", "someone@example.com", "x").role == Role.CUSTOMER

"""The admin under the desk's name, in both languages: no Django branding, one entry for groups (the
desk's resolver groups), and the catalogue's categories in the catalogue's order."""

import re

import pytest
from django.test import Client

from servicedesk.accounts.models import Group
from servicedesk.tickets.models import Category, Service


def admin_client(desk, language) -> Client:
    desk.admin.language = language
    desk.admin.save(update_fields=["language"])
    client = Client()
    client.force_login(desk.admin)
    return client


def row_names(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|\s+", "", cell) for cell in re.findall(r'<th scope="row"[^>]*>(.*?)</th>', html, re.S)]


@pytest.mark.parametrize(("language", "header", "groups"), [
    ("zh-hans", "服务台 管理", "处理组"),
    ("en", "Service Desk administration", "Resolvergroups"),
])
def test_the_admin_bears_the_desks_name(desk, language, header, groups):
    html = admin_client(desk, language).get("/admin/").content.decode()
    assert f'<a href="/admin/">{header}</a>' in html
    assert re.search(rf"<title>[^<]*{header}</title>", html)
    assert "Django" not in html
    rows = row_names(html)
    assert rows.count(groups) == 1, rows
    assert "/admin/auth/group/" not in html


def test_the_desk_name_setting_names_the_admin(desk, settings):
    settings.SERVICEDESK_NAME = "Acme IT"
    html = admin_client(desk, "zh-hans").get("/admin/").content.decode()
    assert "Acme IT 管理" in html


def test_djangos_auth_groups_are_out_of_the_way(desk):
    client = admin_client(desk, "en")
    assert client.get("/admin/auth/group/").status_code == 404
    form = client.get(f"/admin/accounts/user/{desk.agent1.pk}/change/").content.decode()
    assert 'name="groups"' not in form and 'name="user_permissions"' not in form
    assert 'name="role"' in form and 'name="is_active"' in form


def test_groups_have_chinese_names_in_the_admin(desk):
    client = admin_client(desk, "zh-hans")
    listing = client.get("/admin/accounts/group/").content.decode()
    assert "网络与基础设施（二线）" in listing
    group = Group.objects.get(name="Hardware supplier")
    page = client.get(f"/admin/accounts/group/{group.pk}/change/").content.decode()
    assert 'name="name_zh"' in page and 'value="硬件供应商"' in page


def test_categories_are_listed_in_the_catalogues_order(desk):
    """Each service's top categories by their order, each followed by its own subcategories."""
    late = Service.objects.create(name="AAA first by name, last by order", order=99)
    top_b = Category.objects.create(service=late, name="B top", order=2)
    top_a = Category.objects.create(service=late, name="A top", order=1)
    Category.objects.create(service=late, parent=top_b, name="B2 sub", order=2)
    Category.objects.create(service=late, parent=top_b, name="B1 sub", order=1)
    Category.objects.create(service=late, parent=top_a, name="A1 sub", order=5)
    html = admin_client(desk, "en").get(f"/admin/tickets/category/?service__id__exact={late.pk}").content.decode()
    names = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<th class="field-__str__">(.*?)</th>', html)]
    prefix = "AAA first by name, last by order / "
    assert names == [prefix + n for n in ("A top", "A top / A1 sub", "B top", "B top / B1 sub", "B top / B2 sub")]
    ordered = list(Category.objects.filter(service=late).in_catalogue_order().values_list("name", flat=True))
    assert ordered == ["A top", "A1 sub", "B top", "B1 sub", "B2 sub"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_sections_come_in_the_desks_order_in_both_languages(desk, language):
    html = admin_client(desk, language).get("/admin/").content.decode()
    sections = re.findall(r'<div class="app-([a-z_]+) module', html)
    assert sections == ["accounts", "axes", "tickets", "routing", "sla", "intake", "monitoring", "notify", "webhooks",
                        "knowledge", "search", "console", "telephony", "major", "approvals", "cmdb", "problems",
                        "changes", "reports", "surveys", "directory", "sso", "core"]

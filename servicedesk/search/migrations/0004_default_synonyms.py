"""A few synonym sets every desk wants (administrators edit them in the admin, Search → Synonyms)."""

from django.db import migrations

DEFAULTS = [
    "打印机, 打印, printer, print",
    "VPN, 远程接入, remote access",
    "密码, 口令, password, passcode",
    "邮箱, 邮件, mailbox, email, mail",
    "网络, 上网, network, internet",
    "无线网络, 无线网, wifi, wireless",
    "蓝屏, blue screen, BSOD",
    "电脑, 计算机, computer, PC",
    "笔记本, laptop, notebook",
    "登录, 登陆, log in, login, sign in",
    "账号, 帐号, 账户, account",
]


def add(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    using = schema_editor.connection.alias
    if not Synonym.objects.using(using).exists():
        Synonym.objects.using(using).bulk_create([Synonym(terms=terms) for terms in DEFAULTS])


def remove(apps, schema_editor):
    apps.get_model("search", "Synonym").objects.using(schema_editor.connection.alias).filter(
        terms__in=DEFAULTS).delete()


class Migration(migrations.Migration):
    dependencies = [("search", "0003_synonym")]

    operations = [migrations.RunPython(add, remove)]

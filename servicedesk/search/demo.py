"""The demo desk's synonyms beyond the defaults a migration adds: the chat and office tools its people
name in either language (`servicedesk demo`)."""

from .models import Synonym

SYNONYMS = [
    "企业微信, WeCom, WeChat Work",
    "钉钉, DingTalk",
    "飞书, Feishu, Lark",
    "打印机, 打印, printer, print",
    "VPN, 远程接入, remote access",
    "蓝屏, blue screen, BSOD",
]


def load(demo) -> None:
    for terms in SYNONYMS:
        Synonym.objects.get_or_create(terms=terms)

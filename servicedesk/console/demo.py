"""The demo desk's canned responses and macros, per group in both languages (`servicedesk demo`)."""

from servicedesk.accounts.demo import FIRST_LINE, SECOND_LINE, SUPPLIER, THIRD_LINE
from servicedesk.accounts.models import User

from .models import CannedResponse

AFTER = ("accounts",)

# Canned responses and macros shared by each group, one of each in both languages.
# group, name, body, then-action (and whom a pend waits on)
CANNED = [
    (FIRST_LINE, "Acknowledgement", "Hello {requester_name}, we have your request {ticket_number} and will answer "
     "by {response_due}.", ""),
    (FIRST_LINE, "受理确认", "{requester_name}您好，您的请求 {ticket_number} 已受理，"
     "我们会在 {response_due} 前答复您。", ""),
    (FIRST_LINE, "Password reset done", "Hello {requester_name}, your password has been reset; the temporary one "
     "was sent by text message. Please change it when you first sign in.", "resolve"),
    (FIRST_LINE, "密码已重置", "{requester_name}您好，已为您重置密码，临时密码通过短信发送，"
     "首次登录请修改。", "resolve"),
    (FIRST_LINE, "Please send a screenshot", "Hello {requester_name}, to pin this down, could you send us a "
     "screenshot of the error? {ticket_number} waits for your answer.", "pend"),
    (FIRST_LINE, "请提供截图", "{requester_name}您好，为了更快定位问题，麻烦您提供报错界面的截图。{ticket_number} "
     "等待您的回复。", "pend"),
    (SECOND_LINE, "Network outage notice", "Hello {requester_name}, there is a network outage in your area. "
     "We are working on it and expect to have it fixed by {resolution_due}.", ""),
    (SECOND_LINE, "网络故障通告", "{requester_name}您好，您所在区域的网络出现故障，我们正在抢修，预计在 "
     "{resolution_due} 前恢复。", ""),
    (THIRD_LINE, "Fix deployed", "Hello {requester_name}, the fix for {ticket_title} is live. Please check and "
     "confirm.", "resolve"),
    (THIRD_LINE, "修复已上线", "{requester_name}您好，“{ticket_title}”的修复已上线，请检查后确认。", "resolve"),
    (SUPPLIER, "Case opened with the vendor", "Hello {requester_name}, we have opened a case with the vendor; "
     "their engineer comes within {resolution_within}.", "pend:supplier"),
    (SUPPLIER, "已向厂商报修", "{requester_name}您好，已向厂商报修，工程师会在 {resolution_within} 内上门处理。",
     "pend:supplier"),
]


def load(demo) -> None:
    if demo.full:
        _canned(demo.groups, demo.people["manager"])


def _canned(groups, author: User) -> None:
    for group, name, body, then in CANNED:
        action, _, reason = then.partition(":")
        CannedResponse.objects.get_or_create(
            group=groups[group], name=name,
            defaults={"body": body, "set_status": action, "set_pending_reason": reason, "created_by": author})

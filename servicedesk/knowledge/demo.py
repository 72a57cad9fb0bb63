"""The demo desk's knowledge base (`servicedesk demo`): articles in Chinese and English, most of them
linked as translations, that answer the demo tickets (tickets.demo's topics).

Written through knowledge.actions as the desk would: agent1 writes, lead1 (a group lead) publishes. The
audiences vary — public, signed-in customers, one for Organisation A's customers only, one for desk staff
only — a few are past their review-by date, one waits in review and one is a draft. Loaded with the tickets
only (`demo --no-tickets` stays a bare desk for the tests); an article whose title exists is left as it is.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from servicedesk.accounts.models import Organisation
from servicedesk.tickets.models import Category, Channel

from .actions import ArticleInput, create_article, publish_article, submit_for_review
from .models import Article, Audience, State

AFTER = ("accounts", "tickets")

PUBLIC, CUSTOMERS, STAFF = Audience.PUBLIC, Audience.CUSTOMERS, Audience.STAFF

# Per article: key, the key of the article it translates (None), language, category (the demo catalogue's
# English leaf name), audience, tags, days until review-by (negative: overdue; None: no date), the state it
# is left in, title, summary, body (Markdown).
ARTICLES = [
    ("wifi-zh", None, "zh-hans", "Office Wi-Fi", PUBLIC, ["无线", "WiFi", "断线"], 120, State.PUBLISHED,
     "办公室无线网络经常断线怎么办", "无线网络隔几分钟断一次、视频会议卡顿时的自查步骤。",
     "1. 问问附近的同事：一片区域都断线，多半是该区域的无线 AP 故障，请提交工单并写明楼层和位置。\n"
     "2. 只有自己断线：在电源选项中把无线网卡设为“最高性能”，并从软件中心更新无线网卡驱动。\n"
     "3. 在无线列表中“忘记”Corp-WiFi 后重新连接。\n"
     "4. 开重要的视频会议时尽量插网线。\n"),
    ("wifi-en", "wifi-zh", "en", "Office Wi-Fi", PUBLIC, ["Wi-Fi", "wireless", "drops"], 120, State.PUBLISHED,
     "Office Wi-Fi keeps dropping", "What to check when the Wi-Fi disconnects every few minutes.",
     "1. Ask colleagues nearby: if the whole area drops, an access point is probably failing — report it with "
     "the floor and the spot.\n"
     "2. Only your laptop: set the wireless adapter to maximum performance in the power options and update "
     "its driver from the Software Center.\n"
     "3. Forget Corp-WiFi in the list of networks and join it again.\n"
     "4. For important video calls, use a network cable.\n"),
    ("vpn-zh", None, "zh-hans", "Cannot connect", CUSTOMERS, ["VPN", "远程办公", "认证失败"], 90, State.PUBLISHED,
     "VPN 连接不上，提示认证失败", "在家或出差时 VPN 连不上、频繁掉线的处理方法。",
     "1. 先确认家里或酒店的网络能打开网页。\n"
     "2. **认证失败**：VPN 用公司账号和开机密码；最近改过密码请用新密码，密码过期或账号锁定也会提示认证失败。\n"
     "3. 输入手机验证器上的 6 位动态码，手机时间要准确。\n"
     "4. **频繁掉线**：酒店网络不稳定时改用手机热点，并关闭电脑休眠。\n"
     "5. 仍然不行，请提交工单并附上错误截图。\n"),
    ("vpn-en", "vpn-zh", "en", "Cannot connect", CUSTOMERS, ["VPN", "remote work", "authentication"], 90,
     State.PUBLISHED,
     "VPN will not connect: authentication failed", "When the VPN does not connect from home or keeps "
     "dropping while you travel.",
     "1. Check the home or hotel network opens web pages.\n"
     "2. **Authentication failed**: the VPN takes your company account and Windows password; after a password "
     "change use the new one. An expired password or a locked account also says \"authentication failed\".\n"
     "3. Type the 6-digit code from your authenticator app; the phone's clock must be right.\n"
     "4. **Drops every half hour**: hotel networks are unsteady — try your phone's hotspot and stop the laptop "
     "from sleeping.\n"
     "5. Still failing: report it with a screenshot of the error.\n"),
    ("vpn-access-zh", None, "zh-hans", "New VPN access", PUBLIC, ["VPN", "申请", "居家办公"], 180, State.PUBLISHED,
     "如何申请开通 VPN", "居家办公或出差需要访问公司系统时申请 VPN。",
     "1. 在服务门户选择“网络 → VPN → 开通VPN”，写明原因和使用期限。\n"
     "2. 部门经理审批后，网络组在 1 个工作日内开通。\n"
     "3. 安装说明会发到您的邮箱，用公司账号和密码登录。\n"),
    ("vpn-access-en", "vpn-access-zh", "en", "New VPN access", PUBLIC, ["VPN", "request", "work from home"], 180,
     State.PUBLISHED,
     "How to request VPN access", "Ask for VPN access to reach company systems from home or on the road.",
     "1. In the portal choose \"Network → VPN → New VPN access\" and say why and for how long.\n"
     "2. Once your manager approves, the network team sets it up within one working day.\n"
     "3. The install guide arrives in your mailbox; sign in with your company account.\n"),
    ("password-zh", None, "zh-hans", "Password reset", PUBLIC, ["密码", "忘记密码", "过期"], -10, State.PUBLISHED,
     "忘记密码或密码过期怎么办", "自助重置忘记的密码，以及开机提示密码过期时如何修改。",
     "1. 打开 https://password.example.com，输入账号并用登记的手机接收验证码，设置新密码。\n"
     "2. 新密码至少 12 位，包含大小写字母和数字，不能与最近 5 次相同——修改时“一直报错”多半是这个原因。\n"
     "3. 开机提示密码已过期：在登录界面直接设置新密码（需连接公司网络或 VPN）。\n"
     "4. 改密码后请更新手机邮箱里保存的密码。\n"),
    ("password-en", "password-zh", "en", "Password reset", PUBLIC, ["password", "forgot password", "expired"], -10,
     State.PUBLISHED,
     "Forgot your password, or it expired", "Reset a forgotten password yourself, and change an expired one "
     "at sign-in.",
     "1. Go to https://password.example.com, enter your account, get a code on your registered phone and "
     "choose a new password.\n"
     "2. At least 12 characters with upper and lower case and digits, not one of your last 5 — the usual "
     "reason a new password is refused.\n"
     "3. Windows says the password expired: set the new one right on the sign-in screen (office network or "
     "VPN needed).\n"
     "4. Then update the password saved in your phone's mail app.\n"),
    ("locked-zh", None, "zh-hans", "Account locked", CUSTOMERS, ["账号", "锁定", "手机邮箱"], 60, State.PUBLISHED,
     "账号被锁定，无法登录", "输错密码或手机上保存了旧密码导致账号被锁定。",
     "账号连续输错 5 次密码会锁定 15 分钟。\n\n"
     "1. 等 15 分钟，或在 https://password.example.com 用手机验证码自助解锁。\n"
     "2. **反复被锁**：最常见的原因是手机邮箱或手机无线网络里保存的旧密码在自动重试，请在手机上更新密码。\n"
     "3. 仍然反复锁定，请提交工单，服务台能查到锁定来源的设备。\n"),
    ("locked-en", "locked-zh", "en", "Account locked", CUSTOMERS, ["account", "locked out", "phone"], 60,
     State.PUBLISHED,
     "Account locked, cannot sign in", "Wrong passwords, or an old password saved on your phone, lock the "
     "account.",
     "Five wrong passwords in a row lock the account for 15 minutes.\n\n"
     "1. Wait 15 minutes, or unlock it yourself at https://password.example.com with a code sent to your "
     "phone.\n"
     "2. **Locks again and again**: most often the mail app or the Wi-Fi on your phone keeps trying an old "
     "password — update it there.\n"
     "3. Still locking: report it; the desk can see which device causes it.\n"),
    ("printer-zh", None, "zh-hans", "Printer fault", PUBLIC, ["打印机", "卡纸", "条纹"], 150, State.PUBLISHED,
     "打印机卡纸或打印出来有条纹", "打印机反复卡纸、打印页有黑色条纹或空白时的处理。",
     "1. **卡纸**：按屏幕提示打开对应盖板，顺着走纸方向双手慢慢拉出纸张；纸盒里的纸不要超过最高线。\n"
     "2. **黑色条纹或空白页**：打印一张配置页，配置页也有问题说明是打印机本身（硒鼓或定影组件）。\n"
     "3. 以上都不行，请提交工单并写上打印机编号，供应商工程师会上门维修，期间请使用其他打印机。\n"),
    ("printer-en", "printer-zh", "en", "Printer fault", PUBLIC, ["printer", "paper jam", "streaks"], 150,
     State.PUBLISHED,
     "Printer jams, or prints streaks or blank pages", "What to do when a printer jams on every job or its "
     "pages come out striped or blank.",
     "1. **Jam**: open the door the screen names and pull the sheet out slowly with both hands, in the "
     "direction the paper travels; do not fill the tray above the line.\n"
     "2. **Streaks or blank pages**: print a configuration page; if it shows the fault too, the printer "
     "itself (toner or fuser unit) needs fixing.\n"
     "3. Otherwise report it with the printer's number; the vendor's engineer comes on site — use another "
     "printer meanwhile.\n"),
    ("toner-zh", None, "zh-hans", "Toner and paper", CUSTOMERS, ["硒鼓", "墨粉", "耗材"], -30, State.PUBLISHED,
     "打印机硒鼓没墨了，如何更换", "打印很淡、提示墨粉不足时自己更换硒鼓。",
     "1. 备用硒鼓在每层打印机旁的耗材柜里，按型号取用。\n"
     "2. 打开前盖取出旧硒鼓，新硒鼓左右摇匀、撕掉封条后装入。\n"
     "3. 耗材柜没有备货时，请在门户“办公IT → 打印 → 耗材”提交申请。\n"),
    ("laptop-en", None, "en", "Laptop", CUSTOMERS, ["laptop", "black screen", "update"], 90, State.PUBLISHED,
     "Laptop shows a black screen after an update", "The laptop will not start properly after last night's "
     "update.",
     "1. Plug in the charger and hold the power button for 15 seconds, then start it again.\n"
     "2. Press Win+Ctrl+Shift+B to restart the graphics driver.\n"
     "3. After three interrupted starts Windows opens Automatic Repair: choose Advanced options → Uninstall "
     "Updates → latest quality update.\n"
     "4. Still black: bring the laptop to the desk; we roll back the faulty driver and lend you a laptop.\n"),
    ("mailbox-zh", None, "zh-hans", "Mailbox full", CUSTOMERS, ["邮箱", "已满", "归档"], 120, State.PUBLISHED,
     "邮箱已满，收不到邮件", "邮箱空间用完后客户的邮件被退回时如何处理。",
     "1. 清空“已删除邮件”和“垃圾邮件”。\n"
     "2. 搜索 `size:>10MB` 找出大附件邮件，附件另存后删除邮件。\n"
     "3. 开启自动归档，旧邮件移到存档邮箱。\n"
     "4. 仍然不够用，请提交工单：标准配额可以扩容到 10 GB。\n"),
    ("mailbox-en", "mailbox-zh", "en", "Mailbox full", CUSTOMERS, ["mailbox", "full", "archive"], 120,
     State.PUBLISHED,
     "Mailbox full, mail bounces", "Your mailbox is full and customers' mail comes back.",
     "1. Empty Deleted Items and Junk E-mail.\n"
     "2. Search for `size:>10MB`, save the large attachments elsewhere and delete the messages.\n"
     "3. Turn on automatic archiving: older mail moves to the archive mailbox.\n"
     "4. Still not enough: report it — the standard quota can grow to 10 GB.\n"),
    ("mail-send-en", None, "en", "Cannot send", PUBLIC, ["email", "bounce", "rejected"], 90, State.PUBLISHED,
     "Mail to external addresses is rejected", "Messages to outside addresses come back as rejected.",
     "1. Read the bounce: \"550 user unknown\" is a wrong address; \"554 rejected\" means the other side "
     "refused our mail.\n"
     "2. Check the service notices on the portal's front page: when our mail server is on a blocklist, "
     "everyone's external mail bounces and the desk is already on it.\n"
     "3. Otherwise report it with one bounce attached.\n"),
    ("erp-report-zh", None, "zh-hans", "Report error", CUSTOMERS, ["ERP", "报表", "月结"], 60, State.PUBLISHED,
     "组织 A：ERP 销售报表与财务数据不一致时", "组织 A 的 ERP 销售和库存报表的数据口径与核对方法。",
     "1. 销售报表按过账日期统计，默认不含退货单；和财务核对时请选择“含退货”。\n"
     "2. 数据每晚同步，当天的单据第二天才会出现在报表中。\n"
     "3. 导出库存报表报错时，缩小查询期间后分批导出。\n"
     "4. 确认数据有误，请提交工单并附上报表名称和查询条件截图。\n"),
    ("erp-slow-staff", None, "en", "Slow response", STAFF, ["ERP", "known error", "batch"], 30, State.PUBLISHED,
     "Known error: ERP slow in the afternoon", "Internal: the reconciliation batch and the afternoon "
     "slowness; what to tell callers.",
     "**Cause**: the reconciliation batch used to run at 14:00 and saturated the ERP database. It now runs at "
     "night.\n\n"
     "**If it returns**: check the batch scheduler first (the job may have been moved back by a release), then "
     "link the caller's ticket to the problem record and tell them the workaround — run large reports before "
     "14:00.\n"),
    ("folder-zh", None, "zh-hans", "Shared folder", PUBLIC, ["共享文件夹", "权限", "调岗"], 180, State.PUBLISHED,
     "申请共享文件夹权限", "调岗或新入职后需要部门共享文件夹的读写权限。",
     "1. 在门户选择“账号与权限 → 权限申请 → 共享文件夹”，写明文件夹路径和需要只读还是读写。\n"
     "2. 文件夹负责人或部门经理审批。\n"
     "3. 开通后注销再登录电脑，权限才会生效。\n"),
    ("folder-en", "folder-zh", "en", "Shared folder", PUBLIC, ["shared folder", "access", "new team"], 180,
     State.PUBLISHED,
     "Access to a team's shared folder", "You joined a team and need read or write access to its shared "
     "folder.",
     "1. In the portal choose \"Accounts and access → Access rights → Shared folder\" with the folder's path "
     "and read-only or read/write.\n"
     "2. The folder's owner or the team's manager approves.\n"
     "3. Sign out and in again for the access to work.\n"),
    ("finance-zh", None, "zh-hans", "Finance folder", CUSTOMERS, ["财务", "共享文件夹", "审批"], 180,
     State.PUBLISHED,
     "申请财务文件夹的访问权限", "财务共享文件夹需要直属经理审批后才会开通。",
     "1. 在门户选择“账号与权限 → 权限申请 → 财务文件夹”，写明需要的子文件夹和只读还是读写。\n"
     "2. 申请提交后先发给你的直属经理审批；经理可以在邮件里直接点“同意”或“拒绝”，也可以在门户的“审批”里处理。\n"
     "3. 审批通过后服务台开通权限，注销再登录电脑即可生效；被拒绝时会收到经理的说明。\n"),
    ("finance-en", "finance-zh", "en", "Finance folder", CUSTOMERS, ["finance", "shared folder", "approval"], 180,
     State.PUBLISHED,
     "Access to the finance folder", "Access to the finance share needs your manager's approval first.",
     "1. In the portal choose \"Accounts and access → Access rights → Finance folder\" and say which subfolder "
     "and read-only or read/write.\n"
     "2. The request goes to your manager first, who approves or rejects it from the e-mail's link or under "
     "Approvals in the portal.\n"
     "3. Once approved the desk grants it; sign out and in again for it to work. If it is rejected you are told "
     "why.\n"),
    ("erp-role-en", None, "en", "Application role", CUSTOMERS, ["ERP", "role", "approval"], None, State.REVIEW,
     "Requesting an ERP role", "Getting a role in the ERP, such as purchase approver or report viewer.",
     "1. In the portal choose \"Accounts and access → Access rights → Application role\" and name the role — "
     "ask a colleague in the same job which one they have.\n"
     "2. Your manager approves, then the ERP's owner; roles that approve payments also need Finance.\n"
     "3. Sign in to the ERP again once it is set up.\n"),
    ("laptop-fan-zh", None, "zh-hans", "Laptop", CUSTOMERS, ["笔记本", "风扇", "发热"], None, State.DRAFT,
     "笔记本风扇噪音大、机身很烫", "风扇一直高速转、电脑发烫时的处理（草稿）。",
     "1. 不要把笔记本放在床上或软垫上，保证进风口通畅。\n"
     "2. 在任务管理器中关闭占用 CPU 很高的程序。\n"
     "3. 使用两年以上的电脑可能需要清灰，请提交工单。\n"),
]

ORGANISATION_ONLY = {"erp-report-zh": "Organisation A"}


def load(demo) -> None:
    if not demo.full:
        return
    writer, publisher = demo.people["agent1"], demo.people["lead1"]
    categories = {c.name: c for c in Category.objects.filter(parent__isnull=False)}
    today = timezone.localdate()
    made: dict[str, Article] = {}
    for (key, translates, language, category, audience, tags, review_in, state,
         title, summary, body) in ARTICLES:
        existing = Article.objects.filter(title=title).first()
        if existing is not None:
            made[key] = existing
            continue
        organisation = ORGANISATION_ONLY.get(key)
        article = create_article(ArticleInput(
            title=title, summary=summary, body=body, language=language, audience=audience,
            category=categories[category], tags=tags, translation_of=made[translates] if translates else None,
            review_by=today + datetime.timedelta(days=review_in) if review_in is not None else None,
            organisations=[Organisation.objects.get(name=organisation)] if organisation else None,
        ), actor=writer, channel=Channel.CONSOLE)
        if state == State.PUBLISHED:
            article = publish_article(article, actor=publisher, channel=Channel.CONSOLE)
        elif state == State.REVIEW:
            article = submit_for_review(article, reviewer=publisher, actor=writer, channel=Channel.CONSOLE)
        made[key] = article

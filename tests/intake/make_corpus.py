"""Writes tests/intake/corpus/*.eml: the bytes MTAs deliver, built by hand (not by the stdlib generator).

    .venv/bin/python -m tests.intake.make_corpus

The .eml files are the fixtures; this script only documents how their bytes were made.
Most files use CRLF (as IMAP and LMTP hand them over); a few use LF (as a pipe delivery does).
"""

from __future__ import annotations

import base64
import quopri
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"

RECEIVED = (
    "Return-Path: <{sender}>\n"
    "Delivered-To: servicedesk@example.com\n"
    "Received: from mx1.example.net (mx1.example.net [203.0.113.25])\n"
    "\tby mail.example.com (Postfix) with ESMTPS id 4Zx8kQ1bN2z9sWQ\n"
    "\tfor <servicedesk@example.com>; Thu, 26 Nov 2026 10:15:42 +0800 (CST)\n"
)


def b64(data: bytes) -> str:
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def qp(data: bytes) -> str:
    return quopri.encodestring(data).decode("ascii")


def word(text: str, charset: str, encoding: str = "B") -> str:
    data = text.encode(charset)
    if encoding == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode('ascii')}?="
    body = "".join(chr(b) if (chr(b).isalnum() and b < 128) else f"={b:02X}" for b in data)
    return f"=?{charset}?Q?{body}?="


def write(name: str, text: str, *, crlf: bool = True, raw: dict[str, bytes] | None = None):
    """text is ASCII-only apart from {placeholders} filled from raw (8-bit bytes)."""
    data = text.encode("ascii")
    for key, value in (raw or {}).items():
        data = data.replace(f"@@{key}@@".encode("ascii"), value)
    if crlf:
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    (CORPUS / name).write_bytes(data)


def main():
    CORPUS.mkdir(exist_ok=True)

    write(
        "utf8_plain.eml",
        RECEIVED.format(sender="alice@example.org") + "From: Alice Martin <alice@example.org>\n"
        "To: IT Service Desk <servicedesk@example.com>\n"
        "Subject: Laptop will not start\n"
        "Date: Thu, 26 Nov 2026 10:15:40 +0800\n"
        "Message-ID: <CAF1x2y3z4@mail.example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n"
        "Hello,\n\nMy laptop shows @@dash@@ a black screen since this morning. Caf@@e@@ Wi-Fi works.\n\nAlice\n",
        raw={"dash": "—".encode(), "e": "é".encode()},
    )

    subject = "打印机无法打印"
    body = "您好：\n\n三楼的打印机无法打印，显示脱机。\n\n谢谢！\n李雷\n"
    write(
        "gb2312_base64.eml",
        RECEIVED.format(sender="lilei@example.cn") + f"From: {word('李雷', 'gb2312')} <lilei@example.cn>\n"
        "To: servicedesk@example.com\n"
        f"Subject: {word(subject, 'gb2312')}\n"
        "Date: Thu, 26 Nov 2026 09:02:11 +0800\n"
        "Message-ID: <202611260902110001@example.cn>\n"
        "X-Mailer: Foxmail 7.2.25.228[cn]\n"
        "MIME-Version: 1.0\n"
        'Content-Type: text/plain;\n\tcharset="gb2312"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(body.encode("gb2312")) + "\n",
    )

    subject = "朱镕基同志的电脑中毒了"
    body = "王喆和李堃的电脑都中毒了，请尽快处理。\n朱镕基办公室\n"
    # Split the subject's bytes across two encoded-words in the middle of a character, as some mailers do.
    sdata = subject.encode("gbk")
    w1 = base64.b64encode(sdata[:9]).decode("ascii")
    w2 = base64.b64encode(sdata[9:]).decode("ascii")
    write(
        "gb2312_mislabelled_gbk.eml",
        RECEIVED.format(sender="wangzhe@example.cn") + f"From: {word('王喆', 'gbk')} <wangzhe@example.cn>\n"
        "To: servicedesk@example.com\n"
        f"Subject: =?GB2312?B?{w1}?=\n =?GB2312?B?{w2}?=\n"
        "Date: Thu, 26 Nov 2026 09:30:00 +0800\n"
        "Message-ID: <5f3a.2b@example.cn>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=GB2312\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(body.encode("gbk")) + "\n",
    )

    subject = "𠮷野家的网络断了"
    body = "𠮷野家门店的网络从早上开始断了，路由器指示灯€闪烁。\n"
    write(
        "gb18030_4byte.eml",
        RECEIVED.format(sender="store@example.cn") + "From: store@example.cn\n"
        "To: servicedesk@example.com\n"
        f"Subject: {word(subject, 'gb18030')}\n"
        "Date: Thu, 26 Nov 2026 11:00:00 +0800\n"
        "Message-ID: <gb18030.1@example.cn>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=GB18030\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n@@body@@",
        raw={"body": body.encode("gb18030")},
    )

    subject = "印表機無法列印"
    body = "您好，\n\n會議室的印表機無法列印，請協助處理。\n\n陳小姐 敬上\n"
    write(
        "big5.eml",
        RECEIVED.format(sender="chen@example.tw") + f"From: {word('陳小姐', 'big5')} <chen@example.tw>\n"
        "To: servicedesk@example.com\n"
        f"Subject: {word(subject, 'big5')}\n"
        "Date: Thu, 26 Nov 2026 11:05:00 +0800\n"
        "Message-ID: <big5.1@example.tw>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=big5\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n@@body@@",
        raw={"body": body.encode("big5")},
    )

    body = "Bonjour,\n\nLe café de la réception n'a plus de réseau. Merci à l'équipe.\n"
    write(
        "iso8859_1.eml",
        RECEIVED.format(sender="jerome@example.fr") + f"From: {word('Jérôme Dupré', 'iso-8859-1', 'Q')} "
        "<jerome@example.fr>\n"
        "To: servicedesk@example.com\n"
        f"Subject: {word('Réseau coupé', 'iso-8859-1', 'Q')}\n"
        "Date: Thu, 26 Nov 2026 03:05:00 +0100\n"
        "Message-ID: <latin1.1@example.fr>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=ISO-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n" + qp(body.encode("iso-8859-1")),
    )

    body = "Hi,\n\nThe \u201cVPN\u201d client says \u2018access denied\u2019 \u2013 it cost us \u20ac200 today.\n"
    write(
        "windows1252.eml",
        RECEIVED.format(sender="bob@example.com") + "From: Bob Smith <bob@example.com>\n"
        "To: servicedesk@example.com\n"
        "Subject: =?windows-1252?Q?=93VPN=94_access_denied?=\n"
        "Date: Thu, 26 Nov 2026 08:00:00 -0500\n"
        "Message-ID: <cp1252.1@example.com>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: text/plain; charset="Windows-1252"\n'
        "Content-Transfer-Encoding: 8bit\n"
        "\n@@body@@",
        raw={"body": body.encode("cp1252")},
    )

    body = "Hi,\n\nOur \u201cshared drive\u201d is gone \u2013 please help.\n"
    write(
        "iso8859_1_really_cp1252.eml",
        RECEIVED.format(sender="carol@example.com") + "From: Carol <carol@example.com>\n"
        "To: servicedesk@example.com\n"
        "Subject: Shared drive missing\n"
        "Date: Thu, 26 Nov 2026 08:10:00 -0500\n"
        "Message-ID: <latin1-cp1252.1@example.com>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n@@body@@",
        raw={"body": body.encode("cp1252")},
    )

    body = "Dzień dobry,\n\nZażółć gęślą jaźń – drukarka nie działa.\n"
    write(
        "iso8859_2.eml",
        RECEIVED.format(sender="lukasz@example.pl") + f"From: {word('Łukasz Wróbel', 'iso-8859-2', 'Q')} "
        "<lukasz@example.pl>\n"
        "To: servicedesk@example.com\n"
        f"Subject: {word('Drukarka nie działa', 'iso-8859-2', 'Q')}\n"
        "Date: Thu, 26 Nov 2026 09:00:00 +0100\n"
        "Message-ID: <latin2.1@example.pl>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=iso-8859-2\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n" + qp(body.replace("–", "-").encode("iso-8859-2")),
    )

    body = (
        "Hello team,\n\nThis is a long line that a mail client will certainly wrap with soft line breaks "
        "because it is longer than seventy-six characters. 服务器宕机了 🙁\nBest,\nDana\n"
    )
    write(
        "qp_utf8.eml",
        RECEIVED.format(sender="dana@example.org") + "From: Dana <dana@example.org>\n"
        "To: servicedesk@example.com\n"
        "Subject: =?utf-8?Q?Server_down_=E2=80=94_=E6=9C=8D=E5=8A=A1=E5=99=A8?=\n"
        "Date: Thu, 26 Nov 2026 12:00:00 +0000\n"
        "Message-ID: <qp.1@example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n" + qp(body.encode("utf-8")),
    )

    html = (
        "<html><head><title>Phish</title><style>p{color:red}</style></head><body>"
        '<p onclick="steal()">Please <b>reset</b> my password.</p>'
        '<script>alert("x")</script>'
        '<a href="javascript:alert(1)">click</a> <a href="https://intranet.example.com/kb/42">KB 42</a>'
        "</body></html>\n"
    )
    write(
        "alternative_script.eml",
        RECEIVED.format(sender="eve@example.org") + "From: Eve <eve@example.org>\n"
        "To: servicedesk@example.com\n"
        "Subject: Password reset\n"
        "Date: Thu, 26 Nov 2026 12:30:00 +0000\n"
        "Message-ID: <alt.1@example.org>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="000000000000alt"\n'
        "\n"
        "--000000000000alt\n"
        'Content-Type: text/plain; charset="UTF-8"\n'
        "\n"
        "Please reset my password.\n"
        "KB 42: https://intranet.example.com/kb/42\n"
        "\n"
        "--000000000000alt\n"
        'Content-Type: text/html; charset="UTF-8"\n'
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n" + qp(html.encode()) + "\n"
        "--000000000000alt--\n",
    )

    html = (
        "<html><body><div>您好，</div><div>邮箱无法登录：</div><ul><li>网页版</li><li>Outlook</li></ul>"
        "<p>谢谢&amp;祝好<br>韩梅梅</p>"
        '<div class="gmail_quote"><div class="gmail_attr">在 2026年11月25日周三 下午3:00，IT服务台 '
        "&lt;servicedesk@example.com&gt; 写道：<br></div>"
        "<blockquote><div>请提供您的工号。</div></blockquote></div></body></html>\n"
    )
    write(
        "html_only.eml",
        RECEIVED.format(sender="hanmeimei@example.cn") + f"From: {word('韩梅梅', 'utf-8')} <hanmeimei@example.cn>\n"
        "To: servicedesk@example.com\n"
        f"Subject: {word('回复：邮箱无法登录', 'utf-8')}\n"
        "Date: Thu, 26 Nov 2026 13:00:00 +0800\n"
        "Message-ID: <html.1@example.cn>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8\n"
        "Content-Transfer-Encoding: base64\n"
        "\n" + b64(html.encode()) + "\n",
        crlf=False,
    )

    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2273b4b0000000049454e44ae426082"
    )
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    log = "服务器日志：喆\n".encode("gbk")
    visio = b"VSDX-FAKE"
    write(
        "attachments.eml",
        RECEIVED.format(sender="zhao@example.cn") + "From: Zhao <zhao@example.cn>\n"
        "To: servicedesk@example.com\n"
        "Subject: Network diagram and report\n"
        "Date: Thu, 26 Nov 2026 14:00:00 +0800\n"
        "Message-ID: <att.1@example.cn>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="----=_Part_mixed"\n'
        "\n"
        "This is a multi-part message in MIME format.\n"
        "------=_Part_mixed\n"
        'Content-Type: multipart/related; boundary="----=_Part_related"; type="text/html"\n'
        "\n"
        "------=_Part_related\n"
        "Content-Type: text/html; charset=utf-8\n"
        "\n"
        '<p>See the screenshot:</p><img src="cid:shot1@example.cn" alt="screenshot">\n'
        "------=_Part_related\n"
        "Content-Type: image/png\n"
        "Content-Transfer-Encoding: base64\n"
        "Content-ID: <shot1@example.cn>\n"
        "\n" + b64(png) + "\n"
        "------=_Part_related--\n"
        "\n"
        "------=_Part_mixed\n"
        "Content-Type: application/pdf; name*=utf-8''%E6%8A%A5%E5%91%8A.pdf\n"
        "Content-Transfer-Encoding: base64\n"
        "Content-Disposition: attachment; filename*=utf-8''%E6%8A%A5%E5%91%8A.pdf\n"
        "\n" + b64(pdf) + "\n"
        "------=_Part_mixed\n"
        f'Content-Type: text/plain; charset=GBK; name="{word("服务器日志_喆.txt", "gbk")}"\n'
        "Content-Transfer-Encoding: base64\n"
        f'Content-Disposition: attachment; filename="{word("服务器日志_喆.txt", "gbk")}"\n'
        "\n" + b64(log) + "\n"
        "------=_Part_mixed\n"
        "Content-Type: application/vnd.ms-visio.drawing\n"
        "Content-Transfer-Encoding: base64\n"
        "Content-Disposition: attachment;\n"
        "\tfilename*0*=utf-8''%E7%BD%91%E7%BB%9C;\n"
        "\tfilename*1*=%E6%8B%93%E6%89%91.vsdx\n"
        "\n" + b64(visio) + "\n"
        "------=_Part_mixed--\n",
    )

    write(
        "oversize.eml",
        RECEIVED.format(sender="frank@example.com") + "From: Frank <frank@example.com>\n"
        "To: servicedesk@example.com\n"
        "Subject: Logs attached\n"
        "Date: Thu, 26 Nov 2026 15:00:00 +0000\n"
        "Message-ID: <big.1@example.com>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b1"\n'
        "\n"
        "--b1\n"
        "Content-Type: text/plain\n"
        "\n"
        "Three logs attached.\n"
        "--b1\n"
        'Content-Type: application/octet-stream; name="huge.log"\n'
        "Content-Transfer-Encoding: base64\n"
        'Content-Disposition: attachment; filename="huge.log"\n'
        "\n" + b64(b"x" * 5000) + "\n"
        "--b1\n"
        'Content-Type: text/plain; name="a.log"\n'
        'Content-Disposition: attachment; filename="a.log"\n'
        "\n"
        "first\n"
        "--b1\n"
        'Content-Type: text/plain; name="b.log"\n'
        'Content-Disposition: attachment; filename="b.log"\n'
        "\n"
        "second\n"
        "--b1\n"
        'Content-Type: text/plain; name="c.log"\n'
        'Content-Disposition: attachment; filename="c.log"\n'
        "\n"
        "third\n"
        "--b1--\n",
    )

    text = (
        "Hi,\n\nThe printer works again, thanks. You can close the ticket.\n\nRegards,\nGrace\n\n"
        "________________________________\n"
        "From: IT Service Desk <servicedesk@example.com>\n"
        "Sent: Wednesday, November 25, 2026 4:12 PM\n"
        "To: Grace Hopper <grace@example.com>\n"
        "Subject: [SD-000123] Printer on 3F not working\n\n"
        "Your request SD-000123 has been resolved. Please confirm.\n"
    )
    write(
        "outlook_reply_en.eml",
        RECEIVED.format(sender="grace@example.com") + "From: Grace Hopper <grace@example.com>\n"
        "To: IT Service Desk <servicedesk@example.com>\n"
        "Subject: RE: [SD-000123] Printer on 3F not working\n"
        "Thread-Topic: [SD-000123] Printer on 3F not working\n"
        "Thread-Index: AQHbP3xKz5dJ7n2bQ0aW\n"
        "Date: Thu, 26 Nov 2026 08:01:02 +0000\n"
        "Message-ID: <DB9PR01MB1234.eurprd01.prod.outlook.com>\n"
        "In-Reply-To: <sd-000123-5@desk.example.com>\n"
        "References: <sd-000123-1@desk.example.com> <sd-000123-5@desk.example.com>\n"
        "Content-Language: en-US\n"
        "X-MS-Has-Attach:\n"
        "MIME-Version: 1.0\n"
        'Content-Type: text/plain; charset="us-ascii"\n'
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n" + qp(text.encode()),
    )

    text = (
        "好的，已经可以连上了，谢谢！\n\n"
        "------------------&nbsp;原始邮件&nbsp;------------------\n"
        '发件人: "IT服务台"<servicedesk@example.com>;\n'
        "发送时间: 2026年11月25日(星期三) 下午4:30\n"
        '收件人: "王芳"<wangfang@qq.com>;\n'
        "主题: [SD-000456] 无法连接VPN\n\n"
        "您的请求 SD-000456 已处理，请确认。\n"
    ).replace("&nbsp;", "\u00a0")
    write(
        "foxmail_reply_zh.eml",
        RECEIVED.format(sender="wangfang@qq.com") + f'From: "{word("王芳", "gb18030")}" <wangfang@qq.com>\n'
        f'To: "{word("IT服务台", "gb18030")}" <servicedesk@example.com>\n'
        f"Subject: {word('回复：[SD-000456] 无法连接VPN', 'gb18030')}\n"
        "Mime-Version: 1.0\n"
        'Content-Type: text/plain;\n\tcharset="gb18030"\n'
        "Content-Transfer-Encoding: base64\n"
        "Date: Thu, 26 Nov 2026 09:12:33 +0800\n"
        "X-Priority: 3\n"
        "Message-ID: <tencent_8A1B2C3D4E5F@qq.com>\n"
        "X-QQ-MIME: TCMime 1.0 by Tencent\n"
        "X-Mailer: QQMail 2.x\n"
        "In-Reply-To: <sd-000456-2@desk.example.com>\n"
        "\n" + b64(text.encode("gb18030")) + "\n",
    )

    text = (
        "新电脑已经收到了，没有问题。\n\n"
        "发自我的iPhone\n\n"
        "在 2026年11月26日，09:00，IT服务台 <servicedesk@example.com> 写道：\n\n"
        "> 您好，新电脑已经送到前台，请查收。\n"
        ">\n"
        "> IT服务台\n"
    )
    write(
        "iphone_reply_zh.eml",
        RECEIVED.format(sender="liu@example.cn") + "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: base64\n"
        "From: =?utf-8?B?5YiY5rSL?= <liu@example.cn>\n"
        "Mime-Version: 1.0 (1.0)\n"
        f"Subject: {word('Re: 【SD-000789】新电脑申请', 'utf-8')}\n"
        "Date: Thu, 26 Nov 2026 10:02:00 +0800\n"
        "Message-Id: <A1B2C3D4-E5F6-7890-ABCD-EF0123456789@example.cn>\n"
        "To: servicedesk@example.com\n"
        "X-Mailer: iPhone Mail (21G93)\n"
        "\n" + b64(text.encode()) + "\n",
    )

    def noise(name: str, extra: str, subject: str, body: str = "I am away until Monday.\n"):
        write(
            name,
            RECEIVED.format(sender="henry@example.com") + "From: Henry <henry@example.com>\n"
            "To: servicedesk@example.com\n"
            f"Subject: {subject}\n"
            "Date: Thu, 26 Nov 2026 16:00:00 +0000\n"
            f"Message-ID: <{name}@example.com>\n" + extra + "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n"
            "\n@@body@@",
            raw={"body": body.encode()},
        )

    noise("autoreply_auto_submitted.eml", "Auto-Submitted: auto-replied\n", "Re: [SD-000123] Printer")
    noise("autoreply_x_autoreply.eml", "X-Autoreply: yes\n", "Away")
    noise("precedence_bulk.eml", "Precedence: bulk\n", "Monthly newsletter")
    noise("autoreply_subject_zh.eml", "", word("自动回复：我不在办公室", "utf-8"), "我11月30日回来。\n")
    noise("out_of_office.eml", "", "Out of Office")

    original = (
        "Return-Path: <servicedesk@example.com>\n"
        "From: IT Service Desk <servicedesk@example.com>\n"
        "To: nobody@example.net\n"
        "Subject: [SD-000123] Your request was received\n"
        "Message-ID: <sd-000123-1@desk.example.com>\n"
        "Date: Thu, 26 Nov 2026 16:59:00 +0800\n"
    )
    write(
        "bounce_dsn.eml",
        "Return-Path: <>\n"
        "Delivered-To: servicedesk@example.com\n"
        "Received: by mail.example.com (Postfix)\n\tid 4ZxAbC; Thu, 26 Nov 2026 17:00:02 +0800 (CST)\n"
        "Date: Thu, 26 Nov 2026 17:00:02 +0800 (CST)\n"
        "From: MAILER-DAEMON@mail.example.com (Mail Delivery System)\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "To: servicedesk@example.com\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;\n"
        '\tboundary="4ZxAbC.1764147602/mail.example.com"\n'
        "Content-Transfer-Encoding: 8bit\n"
        "Message-Id: <20261126090002.4ZxAbC@mail.example.com>\n"
        "\n"
        "This is a MIME-encapsulated message.\n"
        "\n"
        "--4ZxAbC.1764147602/mail.example.com\n"
        "Content-Description: Notification\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "This is the mail system at host mail.example.com.\n\n"
        "I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n"
        "<nobody@example.net>: host mx.example.net[198.51.100.7] said: 550 5.1.1\n"
        "    User unknown (in reply to RCPT TO command)\n"
        "\n"
        "--4ZxAbC.1764147602/mail.example.com\n"
        "Content-Description: Delivery report\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        "Reporting-MTA: dns; mail.example.com\n"
        "X-Postfix-Queue-ID: 4ZxAbC\n"
        "Arrival-Date: Thu, 26 Nov 2026 16:59:01 +0800 (CST)\n"
        "\n"
        "Final-Recipient: rfc822; nobody@example.net\n"
        "Original-Recipient: rfc822;nobody@example.net\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "Remote-MTA: dns; mx.example.net\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n"
        "\n"
        "--4ZxAbC.1764147602/mail.example.com\n"
        "Content-Description: Undelivered Message Headers\n"
        "Content-Type: text/rfc822-headers\n"
        "\n" + original + "\n"
        "--4ZxAbC.1764147602/mail.example.com--\n",
        crlf=False,
    )

    write(
        "references.eml",
        RECEIVED.format(sender="ivan@example.com") + "From: Ivan <ivan@example.com>\n"
        "To: servicedesk@example.com\n"
        "Subject: Re: Your request was received\n"
        "Date: Thu, 26 Nov 2026 17:30:00 +0000\n"
        "Message-ID: <CAJ7reply.3@mail.example.com>\n"
        "In-Reply-To: <sd-000321-2@desk.example.com>\n"
        "References: <CAJ7original.1@mail.example.com>\n"
        " <sd-000321-1@desk.example.com>\n"
        "\t<sd-000321-2@desk.example.com>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n"
        "\n"
        "Still broken after the reboot, and now the screen flickers  \n"
        "as well.\n"
        "\n"
        "On Thu, Nov 26, 2026 at 5:00 PM IT Service Desk <servicedesk@example.com>\n"
        "wrote:\n"
        "> Please reboot and tell us.\n"
        "\n"
        "-- \n"
        "Ivan Petrov, Finance\n",
    )

    write(
        "subject_ticket.eml",
        RECEIVED.format(sender="judy@example.com") + "From: judy@example.com\n"
        "To: servicedesk@example.com\n"
        "Subject: Fwd: [SD-000123] Printer on 3F not working\n"
        "Date: Thu, 26 Nov 2026 18:00:00 +0000\n"
        "Message-ID: <subject.1@example.com>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Adding my colleague's details.\n",
    )

    write(
        "truncated.eml",
        RECEIVED.format(sender="kim@example.com") + "From: Kim <kim@example.com>\n"
        "To: servicedesk@example.com\n"
        "Subject: Crash dump\n"
        "Date: Thu, 26 Nov 2026 19:00:00 +0000\n"
        "Message-ID: <trunc.1@example.com>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="zzz"\n'
        "\n"
        "--zzz\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "The application crashed, dump attached.\n"
        "--zzz\n"
        'Content-Type: application/octet-stream; name="crash.dmp"\n'
        "Content-Transfer-Encoding: base64\n"
        'Content-Disposition: attachment; filename="crash.dmp"\n'
        "\n"
        "TURNUJOnAAAOAAAAIAAAAAAAAAB1bmZpbmlzaGVkIGNyYXNo\n"
        "ZHVtcCBjb250ZW50cw",
        crlf=False,
    )

    write(
        "raw_8bit_headers.eml",
        "Return-Path: <zhou@example.cn>\n"
        "From: @@name@@ <zhou@example.cn>\n"
        "To: servicedesk@example.com\n"
        "Subject: @@subject@@\n"
        "Date: Thu, 26 Nov 2026 20:00:00 +0800\n"
        "Message-ID: <raw8.1@example.cn>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n@@body@@",
        raw={
            "name": "周杰".encode("gbk"),
            "subject": "显示器闪烁".encode(),
            "body": "显示器一直闪烁。\n".encode("gbk"),
        },
    )


if __name__ == "__main__":
    main()

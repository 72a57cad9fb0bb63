"""The email parsing layer against a corpus of delivered messages (tests/intake/corpus, see make_corpus.py).

Pure functions: no database.
"""

import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicedesk.intake.email_parse import (
    Address,
    UnparseableMessage,
    decode_bytes,
    decode_header_value,
    find_ticket_reference,
    html_to_text,
    parse_message,
    strip_quoted,
    thread_keys,
)

CORPUS = Path(__file__).parent / "corpus"
LIMITS = {"max_attachment_bytes": 10 * 1024 * 1024, "max_attachments": 20}
CST = datetime.timezone(datetime.timedelta(hours=8))


def parse(name, **limits):
    return parse_message((CORPUS / name).read_bytes(), **{**LIMITS, **limits})


# --- charsets ---------------------------------------------------------------------------------


def test_utf8_plain():
    m = parse("utf8_plain.eml")
    assert m.subject == "Laptop will not start"
    assert (m.from_name, m.from_address) == ("Alice Martin", "alice@example.org")
    assert m.to == [Address("IT Service Desk", "servicedesk@example.com")]
    assert m.date == datetime.datetime(2026, 11, 26, 10, 15, 40, tzinfo=CST)
    assert m.message_id == "CAF1x2y3z4@mail.example.org"
    assert m.text_body == "Hello,\n\nMy laptop shows — a black screen since this morning. Café Wi-Fi works.\n\nAlice"
    assert m.body_for_ticket == m.text_body
    assert m.html_body is None
    assert m.charset_fallbacks == []
    assert not m.is_noise


def test_gb2312_base64_subject_and_body():
    m = parse("gb2312_base64.eml")
    assert m.subject == "打印机无法打印"
    assert m.from_name == "李雷"
    assert m.text_body == "您好：\n\n三楼的打印机无法打印，显示脱机。\n\n谢谢！\n李雷"
    assert m.charset_fallbacks == []


def test_gb2312_label_on_gbk_text_still_decodes():
    m = parse("gb2312_mislabelled_gbk.eml")
    # The subject's bytes are split across two encoded-words in the middle of a character.
    assert m.subject == "朱镕基同志的电脑中毒了"
    assert m.from_name == "王喆"
    assert m.text_body == "王喆和李堃的电脑都中毒了，请尽快处理。\n朱镕基办公室"
    assert m.charset_fallbacks == [
        "text/plain: declared GB2312, decoded as gb18030",
        "Subject: declared GB2312, decoded as gb18030",
    ]


def test_gb18030_four_byte_character():
    m = parse("gb18030_4byte.eml")
    assert m.subject == "𠮷野家的网络断了"
    assert m.text_body == "𠮷野家门店的网络从早上开始断了，路由器指示灯€闪烁。"
    assert (m.from_name, m.from_address) == ("", "store@example.cn")


def test_big5_traditional_chinese():
    m = parse("big5.eml")
    assert m.subject == "印表機無法列印"
    assert m.from_name == "陳小姐"
    assert m.text_body == "您好，\n\n會議室的印表機無法列印，請協助處理。\n\n陳小姐 敬上"


def test_iso_8859_1_quoted_printable():
    m = parse("iso8859_1.eml")
    assert m.subject == "Réseau coupé"
    assert m.from_name == "Jérôme Dupré"
    assert m.text_body == "Bonjour,\n\nLe café de la réception n'a plus de réseau. Merci à l'équipe."
    assert m.charset_fallbacks == []


def test_windows_1252_curly_quotes():
    m = parse("windows1252.eml")
    assert m.subject == "\u201cVPN\u201d access denied"
    assert (
        m.text_body
        == "Hi,\n\nThe \u201cVPN\u201d client says \u2018access denied\u2019 \u2013 it cost us \u20ac200 today."
    )


def test_iso_8859_1_label_on_windows_1252_text():
    m = parse("iso8859_1_really_cp1252.eml")
    assert m.text_body == "Hi,\n\nOur \u201cshared drive\u201d is gone \u2013 please help."
    assert m.charset_fallbacks == ["text/plain: declared iso-8859-1, decoded as windows-1252"]


def test_iso_8859_2():
    m = parse("iso8859_2.eml")
    assert m.subject == "Drukarka nie działa"
    assert m.from_name == "Łukasz Wróbel"
    assert m.text_body == "Dzień dobry,\n\nZażółć gęślą jaźń - drukarka nie działa."


def test_quoted_printable_utf8_soft_breaks():
    m = parse("qp_utf8.eml")
    assert m.subject == "Server down — 服务器"
    assert m.text_body == (
        "Hello team,\n\nThis is a long line that a mail client will certainly wrap with soft line breaks "
        "because it is longer than seventy-six characters. 服务器宕机了 🙁\nBest,\nDana"
    )


def test_raw_8bit_headers_and_undeclared_body():
    m = parse("raw_8bit_headers.eml")
    assert m.subject == "显示器闪烁"  # raw UTF-8
    assert m.from_name == "周杰"  # raw GBK
    assert m.text_body == "显示器一直闪烁。"  # GBK, no charset declared
    assert "text/plain: no charset declared, decoded as gb18030" in m.charset_fallbacks
    assert "From: raw 8-bit header decoded as gb18030" in m.charset_fallbacks


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        ("镕".encode("gbk"), "x-gbk", "镕"),
        ("镕".encode("gbk"), "euc-cn", "镕"),
        ("喆".encode("gbk"), "gbk", "喆"),
        ("嘅㗎".encode("big5hkscs"), "big5", "嘅㗎"),
        ("中文".encode(), "us-ascii", "中文"),
        ("中文".encode(), "iso-8859-1", "中文"),
        ("\u201cq\u201d".encode("cp1252"), "us-ascii", "\u201cq\u201d"),
        ("中文".encode("gbk"), "utf-8", "中文"),
        ("中文".encode("gbk"), "x-unknown-charset", "中文"),
        ("café".encode("cp1252"), None, "café"),
        ("€100".encode("cp950"), "big5", "€100"),
        (b"\x93q\x94 \x81", "iso-8859-1", "\u201cq\u201d \x81"),
        ("~{".encode("ascii"), "hz-gb-2312", ""),
        (b"plain", None, "plain"),
        (b"", "gb2312", ""),
    ],
)
def test_decode_bytes_upgrades_and_fallbacks(data, declared, expected):
    assert decode_bytes(data, declared) == expected


def test_decode_bytes_never_raises_on_garbage():
    notes = []
    assert decode_bytes(b"\xff\xfe\x81", "big5", notes) == b"\xff\xfe\x81".decode("big5hkscs", "replace")
    assert notes == ["text: declared big5, undecodable bytes replaced"]


def test_header_encoded_words():
    assert decode_header_value("=?gb2312?B?1uzpRrv5?=") == "朱镕基"
    assert decode_header_value("=?utf-8?Q?a_b?= =?utf-8?Q?_c?=") == "a b c"  # whitespace between words dropped
    assert decode_header_value("Re: =?UTF-8*en?B?5Lit5paH?= ok") == "Re: 中文 ok"  # RFC 2231 language tag
    assert decode_header_value("=?utf-8?B?not base64!!?=") == "=?utf-8?B?not base64!!?="
    assert decode_header_value("Hello\r\n world") == "Hello world"


# --- structure: alternatives, HTML, attachments ----------------------------------------------


def test_alternative_html_is_sanitised():
    m = parse("alternative_script.eml")
    assert m.text_body == "Please reset my password.\nKB 42: https://intranet.example.com/kb/42"
    assert m.body_for_ticket == m.text_body
    assert m.html_body == (
        "<p>Please <b>reset</b> my password.</p>"
        '<a rel="noopener noreferrer">click</a> '
        '<a href="https://intranet.example.com/kb/42" rel="noopener noreferrer">KB 42</a>\n'
    )
    for unsafe in ("script", "onclick", "alert", "javascript", "Phish", "color:red"):
        assert unsafe not in m.html_body


def test_html_only_message_gives_text_for_the_ticket():
    m = parse("html_only.eml")
    assert m.subject == "回复：邮箱无法登录"
    assert m.text_body == ""
    assert m.body_for_ticket == (
        "您好，\n\n邮箱无法登录：\n\n- 网页版\n- Outlook\n\n谢谢&祝好\n韩梅梅\n\n"
        "在 2026年11月25日周三 下午3:00，IT服务台 <servicedesk@example.com> 写道：\n\n> 请提供您的工号。"
    )
    reply, quoted = strip_quoted(m.body_for_ticket)
    assert reply == "您好，\n\n邮箱无法登录：\n\n- 网页版\n- Outlook\n\n谢谢&祝好\n韩梅梅"
    assert quoted == "在 2026年11月25日周三 下午3:00，IT服务台 <servicedesk@example.com> 写道：\n\n> 请提供您的工号。"


def test_html_to_text_links_and_entities():
    assert html_to_text('<p>See <a href="https://x.example/kb">the article</a> &gt; now</p>') == (
        "See the article <https://x.example/kb> > now"
    )
    assert html_to_text("<pre>a  b\n  c</pre>") == "a  b\n  c"
    assert html_to_text(None) == ""


def test_inline_image_and_encoded_filenames():
    m = parse("attachments.eml")
    assert m.html_body == '<p>See the screenshot:</p><img src="cid:shot1@example.cn" alt="screenshot">'
    assert m.body_for_ticket == "See the screenshot:"
    assert [(a.filename, a.content_type, a.is_inline, a.content_id) for a in m.attachments] == [
        ("image-1.png", "image/png", True, "shot1@example.cn"),
        ("报告.pdf", "application/pdf", False, None),  # RFC 2231
        ("服务器日志_喆.txt", "text/plain", False, None),  # RFC 2047 encoded-word, GBK
        ("网络拓扑.vsdx", "application/vnd.ms-visio.drawing", False, None),  # RFC 2231 continuations
    ]
    assert m.attachments[0].content.startswith(b"\x89PNG\r\n")
    assert m.attachments[1].content.startswith(b"%PDF-1.4")
    assert m.attachments[2].content == "服务器日志：喆\n".encode("gbk")
    assert m.attachments[3].content == b"VSDX-FAKE"
    assert m.dropped == []


def test_attachment_limits_drop_parts_with_a_note():
    m = parse("oversize.eml", max_attachment_bytes=1000, max_attachments=2)
    assert m.text_body == "Three logs attached."
    assert [(a.filename, a.content) for a in m.attachments] == [("a.log", b"first"), ("b.log", b"second")]
    assert [(d.filename, d.size, d.reason) for d in m.dropped] == [
        ("huge.log", 5000, "larger than the limit of 1000 bytes"),
        ("c.log", 5, "more than the limit of 2 attachments"),
    ]


def test_truncated_mime_still_gives_the_text_and_what_is_left():
    m = parse("truncated.eml")
    assert m.subject == "Crash dump"
    assert m.text_body == "The application crashed, dump attached."
    assert [a.filename for a in m.attachments] == ["crash.dmp"]
    assert m.attachments[0].content.startswith(b"MDMP")
    assert "CloseBoundaryNotFoundDefect" in m.defects


def test_unparseable_only_when_there_is_no_message():
    for raw in (b"", b" \r\n\r\n "):
        with pytest.raises(UnparseableMessage) as caught:
            parse_message(raw, **LIMITS)
        assert caught.value.reason == "empty message"
    with pytest.raises(UnparseableMessage, match="expected bytes"):
        parse_message("From: a@b", **LIMITS)


def test_bytes_without_a_header_section_are_unparseable():
    with pytest.raises(UnparseableMessage) as caught:
        parse_message(b"\x00\xff\xfe garbage\r\nwithout: structure", **LIMITS)
    assert caught.value.reason == "no header section"


def test_headers_only_still_gives_something():
    m = parse_message(b"Subject: just a subject", **LIMITS)
    assert (m.subject, m.text_body, m.from_address, m.attachments) == ("just a subject", "", "", [])


def test_hostile_headers_are_survived():
    raw = (
        b'From: "unterminated <a@b\r\nTo: ,,,;<>\r\nCc: =?x-bogus?B?!!!?=\r\nDate: yesterday-ish\r\n'
        b"Message-ID: no brackets here\r\nReferences: <a@x><b@x>\r\nSubject: =?utf-8?B?5Lit?=\r\n"
        b"Content-Type: multipart/mixed\r\n\r\nno boundary at all\r\n"
    )
    m = parse_message(raw, **LIMITS)
    assert m.subject == "中"
    assert m.date is None
    assert m.references == ["a@x", "b@x"]
    assert m.message_id == "nobracketshere"


def test_content_type_that_breaks_the_stdlib_header_parser():
    raw = b"From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; char\xf4R\xfaG\xf9\xab\x90*\r\n\r\nbody\r\n"
    m = parse_message(raw, **LIMITS)
    assert m.text_body == "body"
    assert m.defects == ["policy.default failed: IndexError: string index out of range"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(p.name for p in CORPUS.glob("*.eml"))),
    cut=st.floats(min_value=0, max_value=1),
    noise=st.binary(max_size=40),
)
def test_truncated_or_corrupted_corpus_never_raises_anything_else(name, cut, noise):
    raw = (CORPUS / name).read_bytes()
    position = int(len(raw) * cut)
    damaged = raw[:position] + noise + raw[position + len(noise) :]
    try:
        parse_message(damaged, max_attachment_bytes=100, max_attachments=1)
    except UnparseableMessage as error:
        assert error.reason in ("empty message", "no header section")


# --- threading -------------------------------------------------------------------------------


def test_references_and_in_reply_to():
    m = parse("references.eml")
    assert m.in_reply_to == "sd-000321-2@desk.example.com"
    assert m.references == [
        "CAJ7original.1@mail.example.com",
        "sd-000321-1@desk.example.com",
        "sd-000321-2@desk.example.com",
    ]
    assert thread_keys(m) == [
        "sd-000321-2@desk.example.com",
        "sd-000321-1@desk.example.com",
        "CAJ7original.1@mail.example.com",
    ]
    assert find_ticket_reference(m.subject) is None
    # format=flowed; delsp=yes joined back into one line
    assert m.text_body.startswith("Still broken after the reboot, and now the screen flickers as well.\n")


def test_subject_ticket_reference_without_thread_headers():
    m = parse("subject_ticket.eml")
    assert thread_keys(m) == []
    assert find_ticket_reference(m.subject) == "SD-000123"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("[SD-000123] Printer", "SD-000123"),
        ("RE: [SD-000123] Printer", "SD-000123"),
        ("Re: 【SD-000789】新电脑申请", "SD-000789"),
        ("回复：［sd-000001］ 网络", "SD-000001"),
        ("Re: SD-000124 printer", "SD-000124"),
        ("回复: 答复：SD-000125 打印机", "SD-000125"),
        ("转发：SD-000126", "SD-000126"),
        ("Fwd: Re: [2] SD-000127", None),
        ("SD-000128 without a reply prefix", None),
        ("Question about XSD-000129", None),
        ("[SD-0001234567890] too long", None),
        ("[HR-000001] other desk", None),
        ("", None),
        (None, None),
    ],
)
def test_find_ticket_reference(subject, expected):
    assert find_ticket_reference(subject) == expected


def test_find_ticket_reference_other_prefixes():
    assert find_ticket_reference("[HR-000001] leave", prefixes=("SD", "HR")) == "HR-000001"
    assert find_ticket_reference("Re: it-42 laptop", prefixes=["IT"]) == "IT-42"


# --- quoted history and signatures -----------------------------------------------------------


def test_outlook_reply_header_block():
    m = parse("outlook_reply_en.eml")
    assert find_ticket_reference(m.subject) == "SD-000123"
    assert thread_keys(m) == ["sd-000123-5@desk.example.com", "sd-000123-1@desk.example.com"]
    reply, quoted = strip_quoted(m.body_for_ticket)
    assert reply == "Hi,\n\nThe printer works again, thanks. You can close the ticket.\n\nRegards,\nGrace"
    assert quoted.startswith("________________________________\nFrom: IT Service Desk <servicedesk@example.com>\n")
    assert quoted.endswith("Your request SD-000123 has been resolved. Please confirm.")


def test_foxmail_reply_original_mail_block():
    m = parse("foxmail_reply_zh.eml")
    assert m.subject == "回复：[SD-000456] 无法连接VPN"
    assert m.from_name == "王芳"
    assert m.to == [Address("IT服务台", "servicedesk@example.com")]
    assert thread_keys(m) == ["sd-000456-2@desk.example.com"]
    assert find_ticket_reference(m.subject) == "SD-000456"
    reply, quoted = strip_quoted(m.body_for_ticket)
    assert reply == "好的，已经可以连上了，谢谢！"
    assert quoted.startswith("------------------\u00a0原始邮件\u00a0------------------\n发件人:")


def test_iphone_reply_in_chinese():
    m = parse("iphone_reply_zh.eml")
    assert m.from_name == "刘洋"
    assert find_ticket_reference(m.subject) == "SD-000789"
    reply, quoted = strip_quoted(m.body_for_ticket)
    assert reply == "新电脑已经收到了，没有问题。"
    assert quoted.startswith("发自我的iPhone\n\n在 2026年11月26日，09:00，IT服务台")


def test_gmail_wrapped_attribution_and_signature():
    reply, quoted = strip_quoted(parse("references.eml").text_body)
    assert reply == "Still broken after the reboot, and now the screen flickers as well."
    assert quoted == (
        "On Thu, Nov 26, 2026 at 5:00 PM IT Service Desk <servicedesk@example.com>\nwrote:\n"
        "> Please reboot and tell us.\n\n-- \nIvan Petrov, Finance"
    )


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("Thanks!\n\n-----Original Message-----\nFrom: desk\nSent: today\n\nold", "Thanks!"),
        ("谢谢\n\n-----原始邮件-----\n发件人: 服务台\n\n旧内容", "谢谢"),
        ("谢谢\n\n-----邮件原件-----\n发件人: 服务台", "谢谢"),
        (
            "收到。\n\n发件人: IT服务台 <servicedesk@example.com>\n发送时间: 2026年11月25日 16:30\n"
            "收件人: 张三 <zhangsan@example.cn>\n主题: [SD-000456] 无法连接VPN\n\n旧内容",
            "收到。",
        ),
        (
            "Done.\n\n*From:* Desk <d@example.com>\n*Sent:* Monday\n*To:* me\n*Subject:* x\n\nold",
            "Done.",
        ),
        ("Fixed, thanks.\n\nOn Wed, 25 Nov 2026, Desk wrote:\n> old", "Fixed, thanks."),
        ("好了\n\n在 2026年11月26日 上午9:00，服务台 写道：\n> 旧", "好了"),
        ("好了\n\n张三 <z@example.cn> 于2026年11月26日周四 上午9:00写道：\n> 旧", "好了"),
        ("Works now.\n\n> old line\n> another", "Works now."),
        ("Works now.\n--\nJohn Doe\nIT Dept", "Works now."),
        ("Works now.\n\nSent from my iPhone", "Works now."),
        ("好了\n\n发自我的 iPad", "好了"),
    ],
)
def test_strip_quoted_patterns(text, reply):
    stripped, quoted = strip_quoted(text)
    assert stripped == reply
    assert quoted and quoted in text


def test_strip_quoted_keeps_interleaved_answers_and_plain_text():
    interleaved = "> Which floor?\n3F\n> Which printer?\nThe HP one"
    assert strip_quoted(interleaved) == (interleaved, "")
    text = "On Monday the VPN wrote errors to the log:\nerror 809"
    assert strip_quoted(text) == (text, "")
    assert strip_quoted("在报告中他写道：\n系统正常") == ("在报告中他写道：\n系统正常", "")


def test_strip_quoted_keeps_the_original_when_only_quoted_text():
    text = "> only a quote\n> nothing else"
    assert strip_quoted(text) == (text, "")
    text = "-----Original Message-----\nFrom: x\n\nforwarded as is"
    assert strip_quoted(text) == (text, "")
    assert strip_quoted("") == ("", "")


# --- noise -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("autoreply_auto_submitted.eml", "Auto-Submitted: auto-replied"),
        ("autoreply_x_autoreply.eml", "x-autoreply: yes"),
        ("precedence_bulk.eml", "Precedence: bulk"),
        ("autoreply_subject_zh.eml", "out-of-office subject: 自动回复：我不在办公室"),
        ("out_of_office.eml", "out-of-office subject: Out of Office"),
    ],
)
def test_auto_replies(name, reason):
    m = parse(name)
    assert m.auto_reply
    assert m.auto_reply_reason == reason
    assert not m.is_bounce
    assert m.is_noise


def test_subjects_about_out_of_office_are_not_auto_replies():
    for subject in (
        b"How do I set up Out of Office in Outlook?",
        b"Out of office laptop setup",
        "外出办公VPN".encode(),
    ):
        raw = (
            b"From: a@example.com\r\nSubject: " + subject + b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n"
        )
        m = parse_message(raw, **LIMITS)
        assert not m.auto_reply, subject
    raw = b"From: a@example.com\r\nAuto-Submitted: no\r\nSubject: hi\r\n\r\nhi\r\n"
    assert not parse_message(raw, **LIMITS).auto_reply


def test_bounce_delivery_status_report():
    m = parse("bounce_dsn.eml")
    assert m.is_bounce
    assert m.bounce_reason == "delivery-status report"
    assert m.bounced_recipients == ["nobody@example.net"]
    assert m.from_address == "MAILER-DAEMON@mail.example.com"
    assert m.text_body.startswith("This is the mail system at host mail.example.com.")
    assert [(a.filename, a.content_type) for a in m.attachments] == [("attachment-1.txt", "text/rfc822-headers")]
    assert b"Message-ID: <sd-000123-1@desk.example.com>" in m.attachments[0].content
    assert m.is_noise


def test_bounce_from_mailer_daemon_without_report():
    raw = (
        b"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\r\nSubject: Returned mail\r\n\r\n"
        b"The original message was received\r\n"
    )
    m = parse_message(raw, **LIMITS)
    assert (m.is_bounce, m.bounce_reason) == (True, "sent by MAILER-DAEMON@mx.example.com")


def test_bounce_subject_from_the_null_sender():
    raw = "Return-Path: <>\r\nFrom: postmaster@qq.com\r\nSubject: 系统退信\r\n\r\n退信\r\n".encode()
    assert parse_message(raw, **LIMITS).is_bounce
    raw = "From: user@example.com\r\nSubject: 退信问题咨询\r\n\r\n为什么退信\r\n".encode()
    assert not parse_message(raw, **LIMITS).is_bounce


def test_ordinary_messages_are_not_noise():
    for name in ("utf8_plain.eml", "outlook_reply_en.eml", "foxmail_reply_zh.eml", "attachments.eml"):
        m = parse(name)
        assert not m.auto_reply and not m.is_bounce, name

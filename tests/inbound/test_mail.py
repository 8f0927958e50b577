"""E-mail to ticket: what a message becomes, who may reply, and what is never answered."""

from __future__ import annotations

import base64

import pytest

from sladesk.desk import actions
from sladesk.desk.models import Attachment, EventKind, Status, Ticket
from sladesk.inbound import mail as inbound_mail
from sladesk.inbound.mail import ingest
from sladesk.inbound.models import InboundMessage, Outcome
from sladesk.people.models import Role, User
from sladesk.sla import versions
from sladesk.sla.models import SlaVersion
from tests.desk.conftest import DEFAULT_SLA

from .mails import gbk_mail, mail, message_id_of

PDF = b"%PDF-1.4 a small report\n"


def only_ticket() -> Ticket:
    (ticket,) = Ticket.objects.all()
    return ticket


# -- new tickets ------------------------------------------------------------------------


def test_a_new_message_opens_a_ticket_for_its_sender(mailbox, people):
    raw = mail(subject="报表系统无法登录", body="月结时提示会话过期。")
    receipt = ingest(raw, mailbox=mailbox)
    ticket = only_ticket()
    assert (ticket.subject, ticket.description) == ("报表系统无法登录", "月结时提示会话过期。")
    assert ticket.requester == people.alice
    assert ticket.service == people.erp
    assert ticket.assignee == people.bob
    record = receipt.message
    assert not receipt.duplicate
    assert record.outcome == Outcome.CREATED
    assert record.message_id == message_id_of(raw)
    assert (record.ticket, record.event) == (ticket, ticket.events.get(kind=EventKind.CREATED))
    assert (record.sender, record.size, record.mailbox) == ("alice@example.com", len(raw), mailbox)


def test_text_is_preferred_and_attachments_are_kept(mailbox):
    raw = mail(
        body="截图见附件。",
        html="<p>截图见<b>附件</b>。</p>",
        attachments=(("月结报表.pdf", "application/pdf", PDF), ("log.txt", "text/plain", b"E1")),
    )
    ingest(raw, mailbox=mailbox)
    ticket = only_ticket()
    assert ticket.description == "截图见附件。"
    files = Attachment.objects.filter(event__ticket=ticket).order_by("name")
    assert [(f.name, f.size, f.content_type) for f in files] == [
        ("log.txt", 2, "text/plain"),
        ("月结报表.pdf", len(PDF), "application/pdf"),
    ]
    assert files[1].file.read() == PDF


def test_an_html_only_message_becomes_plain_text_without_its_scripts(mailbox):
    html = (
        "<html><head><style>p {color: red}</style><title>t</title></head><body>"
        "<script>alert('x')</script><p>打印机&nbsp;卡纸 &amp; 报错</p>"
        "<ul><li>三楼</li><li>型号 HP&lt;M404&gt;</li></ul></body></html>"
    )
    ingest(mail(body=None, html=html), mailbox=mailbox)
    assert only_ticket().description == "打印机 卡纸 & 报错\n- 三楼\n- 型号 HP<M404>"


def test_a_chinese_subject_in_rfc2047_is_decoded(mailbox):
    raw = mail(subject="【紧急】财务系统 无法导出凭证")
    assert b"=?utf-8?" in raw  # the email package encodes it, as mail clients do
    ingest(raw, mailbox=mailbox)
    assert only_ticket().subject == "【紧急】财务系统 无法导出凭证"


def test_gb2312_labelled_mail_with_gbk_characters_is_read_whole(mailbox):
    # 镕 and 喆 are GBK characters outside GB2312: clients label such text gb2312 anyway.
    ingest(gbk_mail("朱镕基的报销单", "王喆的电脑无法开机"), mailbox=mailbox)
    ticket = only_ticket()
    assert (ticket.subject, ticket.description.strip()) == ("朱镕基的报销单", "王喆的电脑无法开机")


def test_an_attachment_named_in_gb2312_keeps_its_chinese_name(mailbox):
    name = base64.b64encode("报销单.xlsx".encode("gbk")).decode()
    raw = (
        "From: alice@example.com\r\nSubject: expenses\r\nMessage-ID: <x1@example.com>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=gb2312\r\n\r\nsee file\r\n"
        f'--b\r\nContent-Type: application/octet-stream; name="=?gb2312?B?{name}?="\r\n'
        f'Content-Disposition: attachment; filename="=?gb2312?B?{name}?="\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--b--\r\n"
    ).encode()
    ingest(raw, mailbox=mailbox)
    (attachment,) = Attachment.objects.all()
    assert (attachment.name, attachment.size) == ("报销单.xlsx", 4)


def test_an_unknown_sender_becomes_a_requester_of_the_default_organisation(mailbox, people):
    ingest(mail(sender="王五 <wangwu@Example.org>"), mailbox=mailbox)
    requester = only_ticket().requester
    assert (requester.username, requester.email, requester.full_name) == (
        "wangwu@example.org",
        "wangwu@example.org",
        "王五",
    )
    assert (requester.role, requester.organisation) == (Role.REQUESTER, people.finance)
    assert not requester.has_usable_password()


def test_unknown_senders_are_refused_when_the_mailbox_takes_none(mailbox):
    mailbox.default_organisation = None
    mailbox.save()
    receipt = ingest(mail(sender="stranger@example.org"), mailbox=mailbox)
    assert receipt.message.outcome == Outcome.REFUSED
    assert "stranger@example.org" in receipt.message.detail
    assert not Ticket.objects.exists()
    assert not User.objects.filter(email="stranger@example.org").exists()


def test_a_number_that_is_no_ticket_opens_a_new_one(mailbox):
    receipt = ingest(mail(subject="关于 INC-2026-999999 的问题"), mailbox=mailbox)
    assert receipt.message.outcome == Outcome.CREATED


def test_the_same_message_id_is_read_once(mailbox):
    raw = mail()
    first = ingest(raw, mailbox=mailbox)
    again = ingest(raw, mailbox=mailbox)
    assert again.duplicate and again.message == first.message
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_a_message_without_message_id_is_recognised_by_its_content(mailbox):
    raw = b"From: alice@example.com\r\nSubject: VPN\r\n\r\nVPN is down\r\n"
    assert not ingest(raw, mailbox=mailbox).duplicate
    assert ingest(raw, mailbox=mailbox).duplicate
    assert Ticket.objects.count() == 1


def test_an_attachment_over_the_limit_is_left_out_and_said_so(mailbox, monkeypatch):
    monkeypatch.setattr(actions, "MAX_ATTACHMENT_BYTES", 1000)
    raw = mail(
        body="日志太大了",
        attachments=(("big.log", "text/plain", b"x" * 1500), ("small.log", "text/plain", b"ok")),
    )
    receipt = ingest(raw, mailbox=mailbox)
    ticket = only_ticket()
    assert [a.name for a in Attachment.objects.filter(event__ticket=ticket)] == ["small.log"]
    assert "big.log" in ticket.description and "big.log" in receipt.message.detail
    assert receipt.message.outcome == Outcome.CREATED


def test_a_failed_message_is_recorded_and_read_again_later(mailbox):
    SlaVersion.objects.all().delete()  # no SLA in force: the desk cannot open tickets yet
    raw = mail()
    failed = ingest(raw, mailbox=mailbox).message
    assert (failed.outcome, failed.ticket, failed.attempts) == (Outcome.FAILED, None, 1)
    versions.apply(DEFAULT_SLA.read_text(encoding="utf-8"), file_name="default.yaml")
    retried = ingest(raw, mailbox=mailbox)
    assert not retried.duplicate
    assert (retried.message.pk, retried.message.outcome) == (failed.pk, Outcome.CREATED)
    assert retried.message.attempts == 2


# -- replies ----------------------------------------------------------------------------


def opened_by_mail(mailbox) -> tuple[Ticket, str]:
    raw = mail(subject="打印机卡纸")
    ingest(raw, mailbox=mailbox)
    return only_ticket(), message_id_of(raw)


def test_a_reply_to_the_first_message_is_added_to_its_ticket(mailbox, people):
    ticket, first_id = opened_by_mail(mailbox)
    reply = mail(
        subject="Re: 打印机卡纸",
        body="已经换了纸，还是卡。\n\n> 打印机卡纸\n> 三楼",
        in_reply_to=first_id,
        references=first_id,
    )
    receipt = ingest(reply, mailbox=mailbox)
    event = ticket.events.order_by("-seq").first()
    assert receipt.message.outcome == Outcome.REPLIED
    assert (event.kind, event.public, event.actor) == (EventKind.REPLY, True, people.alice)
    assert event.body == "已经换了纸，还是卡。"
    assert receipt.message.event == event
    assert Ticket.objects.count() == 1


def test_a_reply_to_sladesk_mail_finds_the_ticket_by_its_message_id(mailbox, people):
    ticket = actions.create_ticket(requester=people.alice, subject="VPN", description="断线")
    ours = f"<sladesk.{ticket.number}.n42@sladesk.example>"
    ingest(mail(subject="Re: 您的工单", in_reply_to=ours, body="好的"), mailbox=mailbox)
    assert ticket.events.order_by("-seq").first().body == "好的"


@pytest.mark.parametrize("subject", ["回复：[{number}] VPN", "Re: 工单{number}已受理", "{number}"])
def test_a_reply_finds_the_ticket_by_the_number_in_its_subject(mailbox, people, subject):
    ticket = actions.create_ticket(requester=people.alice, subject="VPN", description="断线")
    subject = subject.format(number=ticket.number)
    receipt = ingest(mail(subject=subject, body="今天又断了"), mailbox=mailbox)
    assert receipt.message.ticket == ticket
    assert ticket.events.order_by("-seq").first().body == "今天又断了"


def test_the_requesters_reply_while_waiting_on_them_starts_the_clock_again(mailbox, people):
    ticket, first_id = opened_by_mail(mailbox)
    actions.set_status(ticket, actor=people.bob, status=Status.WAITING_REQUESTER, reason="型号？")
    ingest(mail(in_reply_to=first_id, body="HP M404"), mailbox=mailbox)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_an_agent_who_works_the_ticket_answers_by_mail(mailbox, people):
    ticket, first_id = opened_by_mail(mailbox)
    reply = mail(sender="Bob <bob@example.com>", in_reply_to=first_id, body="我马上过来。")
    assert ingest(reply, mailbox=mailbox).message.outcome == Outcome.REPLIED
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None  # an agent's public reply is the response
    assert ticket.status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    "sender",
    [
        "amy@example.com",  # the requester's colleague
        "carol@example.com",  # an agent of another team
        "mallory@example.org",  # nobody sladesk knows
    ],
)
def test_only_the_requester_and_its_agents_may_reply(mailbox, sender):
    ticket, first_id = opened_by_mail(mailbox)
    receipt = ingest(mail(sender=sender, in_reply_to=first_id, body="关掉吧"), mailbox=mailbox)
    assert receipt.message.outcome == Outcome.REFUSED
    assert ticket.events.filter(kind=EventKind.REPLY).count() == 0
    assert Ticket.objects.count() == 1
    assert not User.objects.filter(email="mallory@example.org").exists()


def test_a_reply_with_only_a_file_is_added_with_a_word_about_it(mailbox):
    _ticket, first_id = opened_by_mail(mailbox)
    raw = mail(body="", in_reply_to=first_id, attachments=(("x.png", "image/png", b"png"),))
    event = ingest(raw, mailbox=mailbox).message.event
    assert event.body and [a.name for a in event.attachments.all()] == ["x.png"]


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(mailbox, people):
    ticket, first_id = opened_by_mail(mailbox)
    actions.resolve(ticket, actor=people.bob, resolution="换了硒鼓")
    actions.confirm(ticket, actor=people.alice)
    receipt = ingest(mail(in_reply_to=first_id, body="又卡纸了"), mailbox=mailbox)
    follow_up = receipt.message.ticket
    assert receipt.message.outcome == Outcome.CREATED and follow_up != ticket
    assert ticket.number in follow_up.description and "又卡纸了" in follow_up.description


def test_quoted_text_is_cut_from_replies_but_kept_in_new_tickets(mailbox):
    forwarded = "请处理。\n\n-----原始邮件-----\n发件人: 供应商\n主题: 合同到期"
    ticket = ingest(mail(body=forwarded), mailbox=mailbox).message.ticket
    assert ticket.description == forwarded
    receipt = ingest(
        mail(
            subject=f"Re: {ticket.number}",
            body="补充：明天到期。\n\n在 2026年3月2日，张三 写道：\n> 请处理。",
        ),
        mailbox=mailbox,
    )
    assert receipt.message.event.body == "补充：明天到期。"


# -- what is never answered -------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        ("alice@example.com", {"Auto-Submitted": "auto-replied"}),
        ("alice@example.com", {"Precedence": "bulk"}),
        ("alice@example.com", {"Precedence": "junk"}),
        ("alice@example.com", {"X-Autoreply": "yes"}),
        ("alice@example.com", {"List-Id": "<it.lists.example.com>"}),
        ("alice@example.com", {"Return-Path": "<>"}),
        ("MAILER-DAEMON@mx.example.com", {}),
        ("support@desk.example", {}),  # our own address
    ],
)
def test_automatic_mail_is_ignored_and_recorded(mailbox, sender, headers):
    receipt = ingest(mail(sender=sender, headers=headers), mailbox=mailbox)
    assert receipt.message.outcome == Outcome.IGNORED
    assert receipt.message.detail
    assert not Ticket.objects.exists()


def test_an_auto_reply_to_a_ticket_adds_nothing(mailbox):
    ticket, first_id = opened_by_mail(mailbox)
    ooo = mail(in_reply_to=first_id, body="我在休假", headers={"Auto-Submitted": "auto-replied"})
    assert ingest(ooo, mailbox=mailbox).message.outcome == Outcome.IGNORED
    assert ticket.events.filter(kind=EventKind.REPLY).count() == 0


def test_sladesks_own_message_coming_back_is_ignored(mailbox):
    echo = mail(message_id="<sladesk.INC-2026-000001.n1@desk.example>", subject="工单已创建")
    assert ingest(echo, mailbox=mailbox).message.outcome == Outcome.IGNORED


def test_a_sender_flooding_the_mailbox_is_ignored_after_the_limit(mailbox, monkeypatch):
    monkeypatch.setattr(inbound_mail, "SENDER_LIMIT", 2)
    outcomes = [
        ingest(mail(subject=f"自动通知 {i}"), mailbox=mailbox).message.outcome for i in range(3)
    ]
    assert outcomes == [Outcome.CREATED, Outcome.CREATED, Outcome.IGNORED]

"""The whole path of a request, page by page: alice asks, bob answers, alice confirms."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from sladesk.desk.models import Ticket

from .conftest import page_of, revision_in, text_of


def test_a_request_from_submission_to_rating(desk, as_):
    alice, bob = as_("alice"), as_("bob")

    # alice submits, with a screenshot, and sees the acknowledgement with its deadlines
    form = alice.get("/portal/new/")
    assert form.status_code == 200
    response = alice.post(
        "/portal/new/",
        {
            "service": desk.erp.pk,
            "category": desk.software.pk,
            "impact": "high",
            "urgency": "medium",
            "subject": "报表系统无法登录",
            "description": "财务部所有人都进不去",
            "attachments": SimpleUploadedFile("error.png", b"\x89PNG fake", "image/png"),
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["location"] == f"/tickets/{ticket.number}/received/"
    received = page_of(alice.get(response["location"]))
    assert ticket.number in received
    response_due = ticket.clocks.get(metric="response").due
    resolution_due = ticket.clocks.get(metric="resolution").due
    local = "%Y-%m-%d %H:%M"  # the page shows the site's zone, Asia/Shanghai
    assert f">{_shanghai(response_due, local)}</time>" in received
    assert f">{_shanghai(resolution_due, local)}</time>" in received
    assert "We will respond by" in received and "We aim to resolve it by" in received

    # bob sees it in his queue, opens it, replies, then asks alice for details
    queue = page_of(bob.get("/queue/"))
    assert f'data-ticket="{ticket.number}"' in queue
    page = page_of(bob.get(f"/tickets/{ticket.number}/"))
    assert "error.png" in page
    reply = bob.post(
        f"/tickets/{ticket.number}/reply/",
        {"revision": revision_in(page), "body": "正在查看，请稍候"},
    )
    assert reply.status_code == 303
    page = page_of(bob.get(reply["location"]))
    assert "Your reply was sent." in page
    wait = bob.post(
        f"/tickets/{ticket.number}/wait-requester/",
        {"revision": revision_in(page), "reason": "请提供出错时的截图"},
    )
    assert wait.status_code == 303
    ticket.refresh_from_db()
    assert ticket.status == "waiting_requester"
    assert ticket.clocks.get(metric="resolution").state == "paused"

    # alice answers with a file; the ticket goes back to work
    page = page_of(alice.get(f"/tickets/{ticket.number}/"))
    assert "请提供出错时的截图" in page
    answer = alice.post(
        f"/tickets/{ticket.number}/reply/",
        {
            "revision": revision_in(page),
            "body": "截图见附件",
            "attachments": SimpleUploadedFile("log.txt", b"timeout", "text/plain"),
        },
    )
    assert answer.status_code == 303
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"

    # bob resolves
    page = page_of(bob.get(f"/tickets/{ticket.number}/"))
    assert "截图见附件" in page and "log.txt" in page
    resolved = bob.post(
        f"/tickets/{ticket.number}/resolve/",
        {"revision": revision_in(page), "resolution": "重启了报表服务"},
    )
    assert resolved.status_code == 303

    # alice is asked to confirm, confirms and rates 5
    page = page_of(alice.get(f"/tickets/{ticket.number}/"))
    assert "Is your problem solved?" in page and "重启了报表服务" in page
    confirmed = alice.post(
        f"/tickets/{ticket.number}/confirm/",
        {"revision": revision_in(page), "rating": "5", "comment": "很快，谢谢"},
    )
    assert confirmed.status_code == 303
    ticket.refresh_from_db()
    assert (ticket.status, ticket.rating, ticket.rating_comment) == ("closed", 5, "很快，谢谢")
    page = text_of(page_of(alice.get(f"/tickets/{ticket.number}/")))
    assert "rated the support 5/5" in page
    assert re.search(r"Closed\s+\d{4}-\d\d-\d\d", page)


def _shanghai(moment, fmt: str) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime(fmt)

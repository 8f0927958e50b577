"""The agent's queue in a real browser, in English: each countdown is coloured by the share
of its target used, and turns to breached by itself when its due time passes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sladesk.desk import actions

pytestmark = pytest.mark.browser


def p1_opened(desk, minutes_ago: int, subject: str):
    """A P1 request (15 minutes to respond, around the clock) opened `minutes_ago`."""
    return actions.create_ticket(
        requester=desk.alice,
        subject=subject,
        description="",
        service=desk.erp,
        impact="high",
        urgency="high",
        at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_queue_countdowns_are_coloured_by_target_used_and_turn_breached(desk, log_in):
    fresh = p1_opened(desk, 0, "打印机卡纸")  # 0 % of the response target used
    late = p1_opened(desk, 12, "邮箱满了")  # 80 %: warn; due in 3 minutes
    missed = p1_opened(desk, 30, "网络中断")  # overdue by 15 minutes

    bob = log_in("bob", locale="en")
    bob.clock.install()  # the page's own clock, to move it on without waiting
    bob.reload()
    expect(bob.get_by_test_id("queue-count")).to_have_text("3 open tickets")
    rows = bob.get_by_test_id("queue-row")
    expect(rows).to_have_count(3)
    # The most urgent first: the breached one, then by due time.
    for i, ticket in enumerate([missed, late, fresh]):
        expect(rows.nth(i)).to_have_attribute("data-ticket", ticket.number)

    def response_clock(ticket):
        return bob.locator(f'[data-ticket="{ticket.number}"] [data-testid="clock-response"]')

    expect(response_clock(fresh)).to_have_attribute("data-band", "ok")
    expect(response_clock(fresh)).to_contain_text(re.compile(r"due in 1[0-5]m"))
    expect(response_clock(late)).to_have_attribute("data-band", "warn")
    expect(response_clock(late)).to_contain_text(re.compile(r"due in \d+m"))
    expect(response_clock(missed)).to_have_attribute("data-band", "breached")
    expect(response_clock(missed)).to_contain_text(re.compile(r"overdue by 1[56]m"))
    expect(rows.nth(0)).to_contain_class("is-breached")
    expect(response_clock(missed)).to_have_css("color", "rgb(255, 255, 255)")  # white on red
    expect(response_clock(late)).not_to_have_css("color", "rgb(255, 255, 255)")

    # Five minutes later, without reloading: the late one is overdue and shows it.
    bob.clock.fast_forward("05:00")
    expect(response_clock(late)).to_contain_text(re.compile(r"overdue by \d+m"))
    expect(response_clock(late)).to_have_attribute("data-band", "breached")
    expect(response_clock(late)).to_have_css("color", "rgb(255, 255, 255)")
    expect(response_clock(fresh)).to_contain_text(re.compile(r"due in \d+m"))

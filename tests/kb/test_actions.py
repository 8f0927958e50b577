"""Writing articles: every change is a version, stale changes are refused, tickets become
articles, readers vote, and what they say reaches the owner."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from sladesk.desk import actions as desk_actions
from sladesk.kb import actions
from sladesk.kb.models import (
    ArticleVersion,
    ArticleView,
    Deflection,
    Feedback,
    HistoryIsAppendOnly,
    SolvedWith,
)
from sladesk.notify.models import Notification

from .conftest import published, resolved_ticket, write


def test_a_new_article_is_a_numbered_draft_with_its_first_version(desk):
    first, second = write(desk), write(desk, title="VPN 连接失败")
    assert (first.number, second.number) == ("KB-000001", "KB-000002")
    assert first.status == "draft" and first.visibility == "internal"
    assert first.revision == 1 and first.owner == desk.bob
    version = first.versions.get()
    assert (version.number, version.kind, version.edited_by) == (1, "created", desk.bob)
    assert version.title == first.title and version.body == first.body
    assert version.meta["service"] == {"id": desk.erp.pk, "name": "报表系统"}


def test_the_review_date_defaults_to_the_configured_period(desk, settings):
    settings.SLADESK_KB_REVIEW_DAYS = 30
    article = write(desk)
    assert article.review_at == timezone.localdate() + timedelta(days=30)


def test_every_edit_appends_a_version_with_the_previous_text_kept(desk):
    article = write(desk)
    article = actions.edit_article(
        article, actor=desk.carol, revision=1, body="清除缓存。", note="更简洁"
    )
    article = actions.edit_article(article, actor=desk.bob, revision=2, service=None)
    assert article.revision == 3
    v1, v2, v3 = article.versions.order_by("number")
    assert v1.body != v2.body == "清除缓存。" == v3.body
    assert (v2.kind, v2.edited_by, v2.note) == ("edited", desk.carol, "更简洁")
    assert v2.changes == {}  # the text changed, no setting
    assert v3.changes == {"service": [{"id": desk.erp.pk, "name": "报表系统"}, None]}


def test_the_diff_of_a_version_shows_the_lines_removed_and_added(desk):
    article = write(desk, body="第一步：重启\n第二步：登录\n")
    actions.edit_article(article, actor=desk.bob, body="第一步：清除缓存\n第二步：登录\n")
    v1, v2 = article.versions.order_by("number")
    diff = v2.diff(v1)
    assert "-第一步：重启" in diff and "+第一步：清除缓存" in diff
    assert "+第二步" not in diff and v1.diff(None) == ""


def test_an_edit_that_changes_nothing_records_nothing(desk):
    article = write(desk)
    same = actions.edit_article(article, actor=desk.bob, revision=1, title=article.title)
    assert same.revision == 1 and article.versions.count() == 1


def test_an_edit_from_an_older_revision_is_refused_and_changes_nothing(desk):
    article = write(desk)
    actions.edit_article(article, actor=desk.carol, revision=1, title="carol 的标题")
    with pytest.raises(actions.ConflictError) as refused:
        actions.edit_article(article, actor=desk.bob, revision=1, title="bob 的标题")
    assert refused.value.article.title == "carol 的标题"
    assert refused.value.article.revision == 2
    assert article.versions.count() == 2


def test_versions_cannot_be_changed_or_deleted(desk):
    version = write(desk).versions.get()
    version.title = "改写历史"
    with pytest.raises(HistoryIsAppendOnly):
        version.save()
    with pytest.raises(HistoryIsAppendOnly):
        version.delete()
    assert ArticleVersion.objects.get().title == "报表系统提示会话过期"


def test_publishing_and_retiring_are_versions_too(desk):
    article = actions.publish(write(desk), actor=desk.bob, note="审核通过")
    article = actions.retire(article, actor=desk.carol, revision=2)
    kinds = list(article.versions.values_list("kind", "changes"))
    assert kinds[1] == ("published", {"status": ["draft", "published"]})
    assert kinds[2] == ("retired", {"status": ["published", "retired"]})
    with pytest.raises(actions.ActionError) as again:
        actions.retire(article, actor=desk.bob)
    assert again.value.field == "status"


def test_an_empty_article_cannot_be_published(desk):
    with pytest.raises(actions.ActionError) as refused:
        actions.publish(write(desk, body="  "), actor=desk.bob)
    assert refused.value.field == "body"


def test_each_bad_field_is_named(desk):
    cases = [
        ({"title": " "}, "title"),
        ({"language": "fr"}, "language"),
        ({"visibility": "secret"}, "visibility"),
        ({"organisations": [desk.finance]}, "organisations"),  # an internal article
        ({"owner": desk.alice}, "owner"),  # a requester
    ]
    for fields, field in cases:
        with pytest.raises(actions.ActionError) as refused:
            write(desk, **fields)
        assert refused.value.field == field, fields


def test_requesters_write_nothing(desk):
    with pytest.raises(PermissionDenied):
        write(desk, actor=desk.alice)
    article = write(desk)
    with pytest.raises(PermissionDenied):
        actions.edit_article(article, actor=desk.alice, title="?")


def test_marking_reviewed_sets_the_next_review_date(desk, settings):
    article = write(desk, review_at=date(2020, 1, 1))
    article = actions.mark_reviewed(article, actor=desk.bob)
    assert article.review_at == timezone.localdate() + timedelta(
        days=settings.SLADESK_KB_REVIEW_DAYS
    )
    assert article.versions.last().kind == "reviewed"


# -- from tickets -------------------------------------------------------------------------


def test_a_resolved_ticket_becomes_a_linked_internal_draft_in_one_action(desk):
    ticket = resolved_ticket(desk)
    article = actions.create_from_ticket(ticket, actor=desk.bob)
    assert article.title == "报表系统无法登录"
    assert article.body == (
        "## 问题/现象\n\n月结时提示“会话过期”，无法进入报表。\n\n"
        "## 原因/解决方法\n\n清除缓存后恢复。\n"
    )
    assert (article.status, article.visibility, article.owner) == ("draft", "internal", desk.bob)
    assert (article.service, article.category) == (desk.erp, desk.software)
    assert article.source_ticket == ticket and article.language == "zh-hans"
    assert SolvedWith.objects.filter(ticket=ticket, article=article, linked_by=desk.bob).exists()
    assert ticket.number in article.versions.get().note


def test_the_article_is_written_in_the_requesters_language(desk):
    desk.alice.language = "en"
    desk.alice.save()
    article = actions.create_from_ticket(resolved_ticket(desk), actor=desk.bob)
    assert article.language == "en"
    assert article.body.startswith("## Problem / symptoms\n\n")
    assert "## Cause / solution\n\n清除缓存后恢复。" in article.body


def test_only_resolved_or_closed_tickets_become_articles_and_only_once(desk):
    ticket = desk_actions.create_ticket(requester=desk.alice, subject="打印机卡纸", description="")
    with pytest.raises(actions.ActionError) as refused:
        actions.create_from_ticket(ticket, actor=desk.bob)
    assert refused.value.field == "status"
    ticket = resolved_ticket(desk)
    desk_actions.confirm(ticket, actor=desk.alice)
    made = actions.create_from_ticket(ticket, actor=desk.bob)
    with pytest.raises(actions.ActionError) as twice:
        actions.create_from_ticket(ticket, actor=desk.bob)
    assert made.number in twice.value.message


def test_an_agent_of_another_team_cannot_use_the_ticket(desk):
    with pytest.raises(PermissionDenied):
        actions.create_from_ticket(resolved_ticket(desk), actor=desk.carol)


def test_a_ticket_links_the_articles_it_was_solved_with_once_each(desk):
    ticket = resolved_ticket(desk)
    one, two = published(desk), published(desk, title="清除浏览器缓存")
    made = actions.link_solved_with(ticket, articles=[one, two, one], actor=desk.bob)
    assert [s.article for s in made] == [one, two]
    assert actions.link_solved_with(ticket, articles=[two], actor=desk.bob) == []
    assert ticket.solved_with.count() == 2
    assert actions.unlink_solved_with(ticket, article=one, actor=desk.bob)
    assert list(ticket.solved_with.values_list("article", flat=True)) == [two.pk]


def test_a_retired_article_solves_nothing(desk):
    retired = actions.retire(published(desk), actor=desk.bob)
    with pytest.raises(actions.ActionError) as refused:
        actions.link_solved_with(resolved_ticket(desk), articles=[retired], actor=desk.bob)
    assert refused.value.field == "articles"


# -- readers ------------------------------------------------------------------------------


def test_a_new_vote_replaces_the_old_one_and_every_comment_is_kept(desk):
    article = published(desk)
    actions.vote(article, user=desk.alice, helpful=False, comment="第二步不清楚")
    actions.vote(article, user=desk.alice, helpful=True)
    actions.vote(article, user=desk.amy, helpful=True)
    current = Feedback.objects.filter(article=article, current=True)
    assert sorted(current.values_list("user__username", "helpful")) == [
        ("alice", True),
        ("amy", True),
    ]
    assert Feedback.objects.filter(comment="第二步不清楚", current=False).exists()


def test_a_comment_reaches_the_owner_through_the_outbox(desk):
    desk.bob.email = "bob@example.com"
    desk.bob.save()
    article = published(desk)
    actions.vote(article, user=desk.alice, helpful=False, comment="第二步不清楚")
    told = Notification.objects.select_related("channel__user").get()
    assert told.kind == "kb.feedback" and told.channel.user == desk.bob
    assert article.number in told.title and "第二步不清楚" in told.text
    assert "Alice (财务部)" in told.text
    assert told.url.endswith(f"/kb/{article.number}/")


def test_a_bare_vote_and_the_owners_own_comment_tell_nobody(desk):
    desk.bob.email = "bob@example.com"
    desk.bob.save()
    article = published(desk)
    actions.vote(article, user=desk.alice, helpful=True)
    actions.vote(article, user=desk.bob, helpful=True, comment="自测")
    assert not Notification.objects.exists()
    assert not Feedback.objects.filter(seen_at__isnull=True).exists()


def test_nobody_votes_on_an_article_they_cannot_read(desk):
    with pytest.raises(PermissionDenied):
        actions.vote(write(desk), user=desk.alice, helpful=True)


def test_a_view_is_counted_once_per_person_and_day(desk):
    article = published(desk)
    now = timezone.now()
    assert actions.record_view(article, user=desk.alice, at=now)
    assert not actions.record_view(article, user=desk.alice, at=now)
    assert actions.record_view(article, user=desk.alice, at=now + timedelta(days=1))
    assert actions.record_view(article, user=desk.amy, at=now)
    assert ArticleView.objects.count() == 3
    assert ArticleView.objects.filter(organisation=desk.finance).count() == 3


def test_a_deflection_records_what_the_requester_typed(desk):
    article = published(desk)
    found = actions.record_deflection(article=article, user=desk.olivia, subject=" 报表打不开 ")
    assert (found.subject, found.organisation) == ("报表打不开", desk.operations)
    with pytest.raises(PermissionDenied):
        actions.record_deflection(article=write(desk), user=desk.olivia, subject="?")
    assert Deflection.objects.count() == 1


def test_the_owner_marks_comments_seen(desk):
    article = published(desk)
    actions.vote(article, user=desk.alice, helpful=False, comment="过时了")
    actions.vote(article, user=desk.amy, helpful=False, comment="链接失效")
    assert actions.mark_feedback_seen(user=desk.carol) == 0  # not carol's article
    assert actions.mark_feedback_seen(user=desk.bob) == 2
    assert not Feedback.objects.filter(seen_at__isnull=True).exists()

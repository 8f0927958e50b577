"""Every change of an article reaches the search index once committed, with what the index
needs to apply the same access rules; a full reindex reads every article."""

from __future__ import annotations

from sladesk.kb import actions
from sladesk.search import index
from sladesk.search.models import Document
from sladesk.search.query import Audience, search

from .conftest import published, write


def titles(text: str, audience: Audience) -> list[str]:
    return [hit.title for hit in search(text, audience=audience, kinds=("article",))]


def test_a_published_article_is_found_by_the_requesters_it_is_for(
    desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = published(desk, title="报表系统提示会话过期", organisations=[desk.finance])
    document = Document.objects.get(kind="article", object_id=article.pk)
    assert (document.language, document.service_id) == ("zh-hans", desk.erp.pk)
    assert document.published and document.public
    finance = Audience(agent=False, organisation_id=desk.finance.pk)
    operations = Audience(agent=False, organisation_id=desk.operations.pk)
    assert titles("会话过期", finance) == ["报表系统提示会话过期"]
    assert titles("会话过期", operations) == []


def test_nothing_reaches_the_index_before_the_commit(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        write(desk)
    assert len(callbacks) == 1 and not Document.objects.exists()


def test_retiring_takes_the_article_from_the_requesters_search(
    desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = published(desk, title="打印机脱机怎么办")
    everyone = Audience(agent=False, organisation_id=desk.finance.pk)
    assert titles("打印机", everyone) == ["打印机脱机怎么办"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.retire(article, actor=desk.bob)
    assert titles("打印机", everyone) == []
    assert titles("打印机", Audience(agent=True)) == ["打印机脱机怎么办"]


def test_a_reindex_reads_every_article_from_the_registered_source(desk):
    published(desk, title="VPN 连接失败", organisations=[desk.operations, desk.finance])
    write(desk, title="内部草稿")
    assert index.reindex("article") == 2
    scoped = Document.objects.get(title="VPN 连接失败")
    assert sorted(scoped.scope.values_list("organisation_id", flat=True)) == sorted(
        [desk.operations.pk, desk.finance.pk]
    )
    assert not Document.objects.get(title="内部草稿").published

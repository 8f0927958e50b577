"""The proof of issue 9 for search: a requester never finds an internal article, an
unpublished one or one scoped to another organisation — not in the FAQ's search, not among
the suggestions beside a new request, not through the API — and cannot open or count one
by its URL. On PostgreSQL once more with the plan for very common words forced."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from sladesk.people.models import Organisation
from sladesk.search import index, postgres
from sladesk.search.query import MAX_LIMIT, Audience, search

from .test_access import MATRIX, articles  # noqa: F401  (the fixture: one article of each kind)
from .test_search_pages import indexed, page_of

REQUESTERS = ["alice", "olivia"]
WORDS = "报表 会话过期"  # in the text of every article of the fixture


def found_by_requester(who: str, as_, api) -> dict[str, set[str]]:
    """The article numbers `who` finds, by each way of searching."""
    client, caller = as_(who), api(who)
    faq = page_of(client.get("/portal/faq/", {"q": WORDS}))
    suggested = page_of(client.get("/portal/faq/suggest/", {"subject": WORDS}))
    searched = caller.get("/api/kb/search", q=WORDS, limit=100).json()
    listed = caller.get("/api/kb/articles", q=WORDS, page_size=100).json()["items"]
    return {
        "faq search": _numbers(faq, "faq-result"),
        "suggestions": _numbers(suggested, "kb-suggestion"),
        "api search": {h["number"] for h in searched},
        "api list": {a["number"] for a in listed},
    }


def _numbers(page: str, testid: str) -> set[str]:
    import re

    return set(re.findall(rf'data-testid="{testid}" data-article="([\w-]+)"', page))


def check_requesters(desk, articles, as_, api) -> None:  # noqa: F811
    indexed()
    numbers = {name: a.number for name, a in articles.items()}
    for who in REQUESTERS:
        expected = {numbers[name] for name in MATRIX[who]}
        for way, got in found_by_requester(who, as_, api).items():
            assert got == expected, (who, way)
        client = as_(who)
        for name, a in articles.items():
            if name in MATRIX[who]:
                continue
            assert client.get(f"/portal/faq/suggest/{a.number}/").status_code == 404, name
            assert (
                client.post(f"/portal/faq/{a.number}/solved/", {"subject": "x"}).status_code == 404
            )
            assert client.get(f"/portal/faq/{a.number}/solved/").status_code == 404, name
    # agents find every article
    bob = {h["number"] for h in api("bob").get("/api/kb/search", q=WORDS, limit=100).json()}
    assert bob == set(numbers.values())


def test_requesters_never_find_what_they_may_not_read(desk, articles, as_, api):  # noqa: F811
    check_requesters(desk, articles, as_, api)


@pytest.mark.postgres
def test_on_postgresql_among_thousands_of_forbidden_matches(desk, articles, as_, api):  # noqa: F811
    """With thousands of documents holding the words — internal, unpublished, of another
    organisation, tickets — and the statistics of ANALYZE, PostgreSQL plans each query as
    it would in production (docs/search.md); the rules hold whichever plan it takes, in the
    index's own hits too."""
    indexed()
    sales = Organisation.objects.create(name="销售部", code="sales")
    index.put_many(_forbidden(sales.pk, count=3000))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_document")
    postgres.forget_statistics()
    try:
        check_requesters(desk, articles, as_, api)
        for who in REQUESTERS:
            user = getattr(desk, who)
            hits = search(WORDS, audience=Audience.of(user), limit=MAX_LIMIT)
            allowed = {articles[name].pk for name in MATRIX[who]}
            assert {(h.kind, h.object_id) for h in hits} == {("article", pk) for pk in allowed}
    finally:
        postgres.forget_statistics()


@pytest.mark.postgres
def test_on_postgresql_without_statistics(desk, articles, as_, api):  # noqa: F811
    postgres.forget_statistics()
    check_requesters(desk, articles, as_, api)


def _forbidden(organisation: int, count: int) -> Iterator[index.Entry]:
    """Documents with the words that no requester of finance or operations may find."""
    for i in range(count):
        ticket = i % 4 == 0
        yield index.Entry(
            kind="ticket" if ticket else "article",
            object_id=10_000_000 + i,
            title=f"报表 会话过期 {i}",
            body="报表系统登录时提示会话过期。",
            published=i % 4 != 1,
            public=i % 4 != 2,
            organisations=() if ticket or i % 4 != 3 else (organisation,),
        )

"""`sladesk demo` writes a knowledge base: articles of every kind, made from tickets and
used, found by the search, on the pages a person tries first."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from sladesk.desk import demo
from sladesk.desk.models import Ticket
from sladesk.kb.models import Article, Deflection, Feedback, SolvedWith
from sladesk.notify.models import Notification
from sladesk.people.models import User
from sladesk.reports import firstline
from sladesk.reports.scope import Scope, last_month
from sladesk.search.query import Audience, search


def test_the_demo_has_a_knowledge_base_to_try(db):
    # A short replay: the seed template's example ticket is always among its tickets.
    now = timezone.now()
    demo.load(now=now, tickets=40)
    articles = Article.objects.all()
    assert articles.count() == 15
    assert articles.filter(language="en").count() == 3
    assert articles.filter(status="draft").count() == 1
    assert articles.filter(status="retired").count() == 1
    assert articles.filter(visibility="internal").count() == 1
    [scoped] = articles.filter(organisations__isnull=False)
    assert list(scoped.organisations.values_list("code", flat=True)) == ["finance"]
    assert articles.filter(review_at__lte=timezone.localdate(now), owner__username="lisi").exists()

    example = Ticket.objects.get(subject=demo.EXAMPLE.subject)
    made = Article.objects.get(source_ticket=example)
    assert made.status == "published" and made.visibility == "public"
    assert SolvedWith.objects.filter(ticket=example, article=made).exists()
    assert made.created_at > example.resolved_at

    deflections = Deflection.objects.all()
    assert deflections.count() == 3 and all(d.at <= now for d in deflections)
    assert Feedback.objects.filter(seen_at__isnull=True, article__owner__username="lisi").exists()
    assert not Notification.objects.filter(state="pending").exists()  # old comments are no news
    used = firstline.compute(Scope(kind="all"), last_month())
    assert used.deflections >= 1 and used.views > 0

    # found by the search, for a requester and for an agent
    zhangsan = User.objects.get(username="zhangsan")
    hits = search("报表 登录", audience=Audience.of(zhangsan), kinds=["article"])
    assert hits[0].object_id == made.pk
    tickets = search("报表 登录", audience=Audience(agent=True), kinds=["ticket"])
    assert example.pk in {h.object_id for h in tickets}

    # the pages one tries first have content
    lisi = _client("lisi")
    assert lisi.get("/kb/").content.decode().count('data-testid="kb-row"') >= 10
    review = lisi.get("/kb/review/").content.decode()
    assert 'data-testid="due-row"' in review and 'data-testid="unseen-row"' in review
    faq = _client("zhangsan").get("/portal/faq/").content.decode()
    assert scoped.number in faq and made.number in faq


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client

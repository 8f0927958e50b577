"""Several agents and readers at once, each on their own PostgreSQL connection: numbers are
never given twice, stale edits conflict instead of overwriting, one vote stays current."""

from __future__ import annotations

import threading

import pytest

from sladesk.kb import actions
from sladesk.kb.models import Article, Feedback
from tests.desk.test_concurrency import run_together

from .conftest import published, write

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6


def test_articles_written_at_once_get_distinct_numbers(desk):
    numbers = run_together(lambda i: write(desk, title=f"文章 {i}").number, THREADS)
    assert len(set(numbers)) == THREADS
    assert Article.objects.count() == THREADS


def test_edits_from_the_same_revision_save_one_and_conflict_the_rest(desk):
    article = write(desk)
    together = threading.Barrier(THREADS, timeout=60)

    def edit(i: int) -> str:
        together.wait()
        try:
            actions.edit_article(article, actor=desk.bob, revision=1, body=f"第 {i} 版")
        except actions.ConflictError:
            return "conflict"
        return "saved"

    outcomes = run_together(edit, THREADS)
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["saved"]
    article.refresh_from_db()
    assert article.revision == 2 and article.versions.count() == 2


def test_a_double_click_on_vote_leaves_one_current_vote(desk):
    article = published(desk)
    together = threading.Barrier(THREADS, timeout=60)

    def vote(i: int) -> None:
        together.wait()
        actions.vote(article, user=desk.alice, helpful=i % 2 == 0)

    run_together(vote, THREADS)
    assert Feedback.objects.filter(article=article, user=desk.alice).count() == THREADS
    assert Feedback.objects.filter(article=article, user=desk.alice, current=True).count() == 1

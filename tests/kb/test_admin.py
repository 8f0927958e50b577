"""The admin reads articles with their versions, feedback and deflections; it never
writes an article, whose every change must be a version."""

from __future__ import annotations

from django.test import Client

from sladesk.kb import actions
from sladesk.people.models import User

from .conftest import published


def test_the_admin_shows_articles_with_their_versions_feedback_and_deflections(desk):
    article = published(desk)
    actions.vote(article, user=desk.alice, helpful=False, comment="需要截图")
    actions.record_deflection(article=article, user=desk.alice, subject="报表打不开")
    admin = Client(headers={"accept-language": "en"})
    admin.force_login(User.objects.create_superuser("root", password="pw"))
    change = admin.get(f"/admin/kb/article/{article.pk}/change/")
    assert change.status_code == 200
    page = change.content.decode()
    assert "Published" in page and f"/kb/{article.number}/" in page
    assert admin.get("/admin/kb/article/").status_code == 200
    assert admin.get("/admin/kb/article/add/").status_code == 403
    assert "需要截图" in admin.get("/admin/kb/feedback/").content.decode()
    assert "报表打不开" in admin.get("/admin/kb/deflection/").content.decode()

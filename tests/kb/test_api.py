"""The knowledge base over HTTP: the same rules as the pages, errors that name the field."""

from __future__ import annotations

from sladesk.kb.models import Article, Feedback

from .conftest import published, write


def test_an_agent_writes_an_article_through_the_api(desk, api):
    response = api("bob").post(
        "/api/kb/articles",
        {
            "title": "打印机脱机",
            "body": "## 解决\n\n重启打印服务。",
            "visibility": "public",
            "organisations": ["finance"],
            "service": "erp",
            "category": "software",
            "review_at": "2027-03-31",
        },
    )
    assert response.status_code == 201
    out = response.json()
    assert out["number"] == "KB-000001" and out["status"] == "draft" and out["revision"] == 1
    assert out["owner"] == {"username": "bob", "name": "Bob"}
    assert out["html"] == "<h2>解决</h2>\n<p>重启打印服务。</p>\n"
    assert [o["code"] for o in out["organisations"]] == ["finance"]
    assert out["review_at"] == "2027-03-31" and out["service"]["code"] == "erp"


def test_an_article_may_be_published_at_once_or_not_at_all(desk, api):
    done = api("bob").post(
        "/api/kb/articles", {"title": "公告", "body": "…", "status": "published"}
    )
    assert done.json()["status"] == "published"
    empty = api("bob").post("/api/kb/articles", {"title": "空的", "status": "published"})
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["loc"] == ["body", "body"]
    assert not Article.objects.filter(title="空的").exists()


def test_bad_input_is_a_422_naming_the_field(desk, api):
    cases = [
        ({"body": "no title"}, ["body", "title"]),
        ({"title": " "}, ["body", "title"]),
        ({"title": "x", "language": "fr"}, ["body", "language"]),
        ({"title": "x", "service": "nope"}, ["body", "service"]),
        ({"title": "x", "organisations": ["finance", "nope"]}, ["body", "organisations"]),
        ({"title": "x", "owner": "alice"}, ["body", "owner"]),
        ({"title": "x", "organisations": ["finance"]}, ["body", "organisations"]),
    ]
    for body, loc in cases:
        response = api("bob").post("/api/kb/articles", body)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["loc"] == loc, body


def test_patch_changes_only_the_fields_sent_and_keeps_a_version(desk, api):
    article = write(desk)
    response = api("carol").patch(
        f"/api/kb/articles/{article.number}",
        {"revision": 1, "body": "新的正文", "category": None, "note": "精简"},
    )
    assert response.status_code == 200
    out = response.json()
    assert out["body"] == "新的正文" and out["category"] is None and out["revision"] == 2
    assert out["title"] == article.title and out["service"]["code"] == "erp"
    version = article.versions.get(number=2)
    assert (version.edited_by, version.note) == (desk.carol, "精简")


def test_patch_publishes_and_retires(desk, api):
    article = write(desk)
    published_ = api("bob").patch(f"/api/kb/articles/{article.number}", {"status": "published"})
    assert published_.json()["status"] == "published" and published_.json()["revision"] == 2
    retired = api("bob").patch(f"/api/kb/articles/{article.number}", {"status": "retired"})
    assert retired.json()["status"] == "retired"
    draft = api("bob").patch(f"/api/kb/articles/{article.number}", {"status": "draft"})
    assert draft.status_code == 422 and draft.json()["detail"][0]["loc"] == ["body", "status"]


def test_a_stale_patch_is_a_409_with_the_article_as_it_is(desk, api):
    article = write(desk)
    api("carol").patch(f"/api/kb/articles/{article.number}", {"title": "carol 的标题"})
    response = api("bob").patch(
        f"/api/kb/articles/{article.number}", {"revision": 1, "title": "bob 的标题"}
    )
    assert response.status_code == 409
    assert response.json()["article"]["title"] == "carol 的标题"
    assert response.json()["article"]["revision"] == 2


def test_null_for_a_field_that_needs_a_value_is_a_422(desk, api):
    article = write(desk)
    response = api("bob").patch(f"/api/kb/articles/{article.number}", {"title": None})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "title"]


def test_the_list_filters(desk, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # q asks the search index
        published(desk, title="报表登录")
        write(desk, title="VPN 草稿", body="重新安装客户端。", language="en", service=None)
    bob = api("bob")

    def titles(**filters) -> list[str]:
        return [a["title"] for a in bob.get("/api/kb/articles", **filters).json()["items"]]

    assert titles(status="draft") == ["VPN 草稿"]
    assert titles(language="en") == ["VPN 草稿"]
    assert titles(service="erp") == ["报表登录"]
    assert titles(q="报表") == ["报表登录"]
    assert titles(owner="me") == ["VPN 草稿", "报表登录"]


def test_feedback_through_the_api_replaces_the_earlier_vote(desk, api):
    article = published(desk)
    url = f"/api/kb/articles/{article.number}/feedback"
    api("alice").post(url, {"helpful": False, "comment": "不适用于 Mac"})
    response = api("alice").post(url, {"helpful": True})
    assert response.status_code == 201
    assert response.json()["helpful_votes"] == 1 and response.json()["not_helpful_votes"] == 0
    assert Feedback.objects.count() == 2 and Feedback.objects.filter(current=True).count() == 1
    missing = api("alice").post(url, {"comment": "?"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "helpful"]
    read = api("alice").get(f"/api/kb/articles/{article.number}").json()
    assert (read["helpful"], read["not_helpful"]) == (1, 0)


def test_the_list_reads_in_a_fixed_number_of_queries(
    desk, api, django_assert_num_queries, django_assert_max_num_queries
):
    published(desk, organisations=[desk.finance])
    bob = api("bob")
    bob.get("/api/kb/articles")
    with django_assert_max_num_queries(8) as few:
        bob.get("/api/kb/articles")
    for i in range(10):
        published(desk, title=f"文章 {i}", organisations=[desk.finance, desk.operations])
    with django_assert_num_queries(len(few.captured_queries)):
        items = bob.get("/api/kb/articles").json()["items"]
    assert len(items) == 11

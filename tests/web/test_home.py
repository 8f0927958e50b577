"""The home page: what sladesk is, in Chinese and in English, and a real engine example."""

import html
import re

from sladesk.engine.cli import main as engine

CHINESE = "以 SLA 为核心的 IT 服务台"
ENGLISH = "SLA-driven IT service desk"


def test_home_page_speaks_chinese_to_a_chinese_browser(client):
    page = client.get("/", headers={"accept-language": "zh-Hans"}).content.decode()
    assert CHINESE in page
    assert '<html lang="zh-hans">' in page


def test_home_page_speaks_chinese_to_a_browser_that_says_zh_cn(client):
    page = client.get("/", headers={"accept-language": "zh-CN,zh;q=0.9"}).content.decode()
    assert CHINESE in page


def test_home_page_speaks_english_to_an_english_browser(client):
    page = client.get("/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert ENGLISH in page
    assert CHINESE not in page


def test_the_language_switcher_changes_the_language_of_the_next_page(client):
    headers = {"accept-language": "en"}
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, headers=headers)
    assert response.status_code == 302
    assert CHINESE in client.get("/", headers=headers).content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert ENGLISH in client.get("/", headers=headers).content.decode()


def test_home_page_links_to_the_api_docs_and_the_admin(client):
    page = client.get("/").content.decode()
    assert 'href="/api/docs"' in page
    assert 'href="/admin/"' in page
    assert "sladesk sla compute --config sla.yaml --events events.jsonl" in page


def test_htmx_and_the_stylesheet_are_our_own_static_files(client):
    page = client.get("/").content.decode()
    assert 'src="/static/vendor/htmx.min.js"' in page
    assert 'href="/static/sladesk/sladesk.css"' in page
    htmx = b"".join(client.get("/static/vendor/htmx.min.js").streaming_content)
    assert b'version:"2.' in htmx


def test_the_example_on_the_home_page_is_what_the_engine_prints(
    client, tmp_path, monkeypatch, capsys
):
    page = client.get("/").content.decode()
    sla_yaml, events, session = map(
        html.unescape, re.findall(r"<pre><code>(.*?)</code>", page, re.S)
    )
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sla.yaml").write_text(sla_yaml + "\n")
    (tmp_path / "events.jsonl").write_text(events + "\n")
    lines = session.replace("\\\n", "").splitlines()
    for command in (line.removeprefix("$ sladesk ") for line in lines if line.startswith("$")):
        if " explain " not in command:  # explain says when it was run: not shown on the page
            assert engine(re.split(r"\s+", command)) == 0, command
    shown = [line for line in lines if not line.startswith("$")]
    assert capsys.readouterr().out.splitlines() == shown

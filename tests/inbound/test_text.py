"""The text of a reply: the quoted tail cut off where a mail client clearly marked it."""

import pytest

from sladesk.inbound.text import html_to_text, strip_quoted

REPLY = "好的，我明天再试。"


@pytest.mark.parametrize(
    "quoted",
    [
        "> 请提供截图\n> 谢谢",
        "On Mon, 2 Mar 2026 at 10:00, Bob <bob@example.com> wrote:\n> 请提供截图",
        "On Mon, 2 Mar 2026 at 10:00, Bob Smith\n<bob@example.com> wrote:\n\n> 请提供截图",
        "在 2026年3月2日，10:00，Bob <bob@example.com> 写道：\n> 请提供截图",
        "Bob <bob@example.com> 于2026年3月2日周一 10:00写道：\n\n> 请提供截图",
        "-----Original Message-----\nFrom: Bob\nSent: Monday\nSubject: 请提供截图",
        "-----原始邮件-----\n发件人: Bob\n发送时间: 2026年3月2日\n主题: 请提供截图",
        "------------------ 原始邮件 ------------------\n发件人: Bob\n请提供截图",
        "________________________________\nFrom: Bob\nSent: Monday, March 2, 2026\n请提供截图",
        "From: Bob <bob@example.com>\nSent: Monday, March 2, 2026 10:00\nTo: 张三\n请提供截图",
        "发件人: Bob\n发送时间: 2026年3月2日 10:00\n收件人: 张三\n请提供截图",
    ],
)
def test_the_quoted_tail_is_cut(quoted):
    assert strip_quoted(f"{REPLY}\n\n{quoted}\n") == REPLY


def test_quotes_answered_inline_are_kept():
    text = "> 型号？\nHP M404\n> 楼层？\n三楼"
    assert strip_quoted(text) == text


def test_a_reply_that_is_only_a_quote_is_kept_whole():
    assert strip_quoted("> 请提供截图") == "> 请提供截图"


def test_text_that_merely_mentions_a_colleague_is_kept():
    text = "From: the finance team we need access.\nThanks"
    assert strip_quoted(text) == text


def test_html_becomes_lines_and_quotes():
    html = (
        "<div>谢谢，<br>已解决。</div>"
        '<div class="gmail_quote">On Mon, Bob wrote:<blockquote><p>请重启</p></blockquote></div>'
    )
    assert html_to_text(html) == "谢谢，\n已解决。\nOn Mon, Bob wrote:\n> 请重启"
    assert strip_quoted(html_to_text(html)) == "谢谢，\n已解决。"


def test_html_never_passes_markup_or_scripts_through():
    html = '<p onclick="x()">a &lt;b&gt;</p><script>steal()</script><style>p{}</style><img src=x>'
    assert html_to_text(html) == "a <b>"


def test_preformatted_html_keeps_its_lines():
    assert html_to_text("<pre>line 1\n  line 2</pre>") == "line 1\n  line 2"

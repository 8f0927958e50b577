"""Outgoing channels against a local HTTP server: bodies, headers, signatures, limits, verdicts.

Signatures are recomputed here independently of sladesk/notify, straight from each vendor's
description, so a mistake in the transport cannot hide behind the same mistake in the test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
from typing import Any

import pytest

from sladesk.notify import http
from sladesk.notify.transports import (
    TRUNCATED,
    DingTalkTransport,
    EmailTransport,
    FeishuTransport,
    Message,
    Status,
    WebhookTransport,
    WeComTransport,
)
from tests.notify.receivers import Receiver, hmac_b64, verify_standard_webhook

# Helpers ----------------------------------------------------------------------------------


def alert(
    number: int = 1, text: str = "Ticket breached its response deadline", **kw: Any
) -> Message:
    return Message(
        title=kw.pop("title", f"INC-{number} breached"),
        text=text,
        markdown=kw.pop("markdown", f"**{text}**"),
        idempotency_key=kw.pop("key", f"msg_{number}"),
        **kw,
    )


# The HTTP helper --------------------------------------------------------------------------


def test_post_json_returns_status_headers_and_parsed_body(receiver: Receiver) -> None:
    receiver.reply(201, {"ok": True}, X_Trace="abc")

    response = http.post_json(receiver.url + "/hook?a=1", {"名": "值"}, allow_private=True)

    assert (response.status, response.json, response.headers["x-trace"]) == (
        201,
        {"ok": True},
        "abc",
    )
    assert receiver.requests[0].path == "/hook?a=1"
    assert receiver.requests[0].json == {"名": "值"}
    assert receiver.requests[0].headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://localhost:8000/",
        "https://localhost/",
    ],
)
def test_user_supplied_urls_cannot_reach_internal_addresses(url: str) -> None:
    with pytest.raises(http.RefusedAddress):
        http.post_json(url, {"x": 1})


def test_the_refusal_happens_before_anything_is_sent(receiver: Receiver) -> None:
    with pytest.raises(http.RefusedAddress):
        http.post_json(receiver.url, {"x": 1})
    assert receiver.requests == []


def test_public_addresses_are_allowed_and_only_http_urls_are_accepted() -> None:
    assert http.is_public("8.8.8.8") and http.is_public("2001:4860:4860::8888")
    assert not http.is_public("100.64.0.1")  # carrier-grade NAT
    with pytest.raises(ValueError):
        http.post_json("file:///etc/passwd", {})


def test_a_refused_address_is_a_permanent_failure_not_a_retry() -> None:
    result = DingTalkTransport("http://10.0.0.7/robot/send?access_token=t").send([alert()])
    assert result.status == Status.FAILED and "non-public" in result.reason


def test_a_closed_port_is_a_retry() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the block ends
    result = WeComTransport(f"http://127.0.0.1:{port}/?key=k", allow_private=True).send([alert()])
    assert result.status == Status.RETRY and result.retry_after == 60


# Standard Webhooks -------------------------------------------------------------------------

SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_webhook_signature_matches_the_standard_webhooks_test_vector() -> None:
    # The vector of the spec's reference libraries (standard-webhooks/standard-webhooks).
    transport = WebhookTransport("https://example.com/hook", SPEC_SECRET)
    signature = transport.signature(
        "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_webhook_posts_one_signed_json_per_message(receiver: Receiver) -> None:
    transport = WebhookTransport(receiver.url + "/in", SPEC_SECRET, allow_private=True)

    result = transport.send([alert(1, url="https://desk.example/t/1"), alert(2)])

    assert result.status == Status.SENT and result.delivered == ("msg_1", "msg_2")
    first = receiver.requests[0]
    assert first.headers["webhook-id"] == "msg_1"
    assert first.headers["webhook-timestamp"].isdigit()
    assert verify_standard_webhook(SPEC_SECRET, first.headers, first.body)
    assert not verify_standard_webhook(SPEC_SECRET, first.headers, first.body + b" ")
    assert first.json["type"] == "sladesk.notification"
    assert first.json["data"]["title"] == "INC-1 breached"
    assert first.json["data"]["url"] == "https://desk.example/t/1"


@pytest.mark.parametrize(
    ("status", "headers", "expected", "retry_after"),
    [
        (429, {"Retry_After": "7"}, Status.RETRY, 7),
        (503, {}, Status.RETRY, 60),
        (404, {}, Status.FAILED, None),
        (301, {"Location": "http://10.0.0.1/"}, Status.FAILED, None),
    ],
)
def test_webhook_http_errors_map_to_retry_or_permanent_failure(
    receiver: Receiver, status: int, headers: dict[str, str], expected: Status, retry_after: Any
) -> None:
    receiver.reply(status, {"error": "no"}, **headers)
    result = WebhookTransport(receiver.url, SPEC_SECRET, allow_private=True).send([alert()])
    assert (result.status, result.retry_after) == (expected, retry_after)
    assert f"HTTP {status}" in result.reason


# DingTalk ---------------------------------------------------------------------------------

DING_SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


def test_dingtalk_signs_the_url_as_dingtalk_documents(receiver: Receiver) -> None:
    url = receiver.url + "/robot/send?access_token=tok"
    result = DingTalkTransport(url, DING_SECRET, allow_private=True).send([alert()])

    assert result.sent
    query = receiver.requests[0].query
    timestamp = query["timestamp"][0]
    assert len(timestamp) == 13  # milliseconds
    # Documented: HmacSHA256(key=secret, f"{timestamp}\n{secret}"), Base64, then URL-encoded;
    # parse_qs undoes the URL encoding.
    expected = hmac_b64(DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode())
    assert query["sign"] == [expected]
    assert query["access_token"] == ["tok"]
    body = receiver.requests[0].json
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "INC-1 breached"
    assert "**Ticket breached its response deadline**" in body["markdown"]["text"]


def test_dingtalk_sign_is_url_encoded() -> None:
    transport = DingTalkTransport("https://oapi.dingtalk.com/robot/send?access_token=t", "SECx")
    raw = hmac_b64(b"SECx", b"1700000000000\nSECx")
    sign = transport.sign(1700000000000)
    assert "+" not in sign and "/" not in sign and "=" not in sign
    assert sign == raw.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def test_dingtalk_without_secret_posts_to_the_url_as_given(receiver: Receiver) -> None:
    DingTalkTransport(receiver.url + "/send?access_token=t", allow_private=True).send([alert()])
    assert receiver.requests[0].query == {"access_token": ["t"]}


@pytest.mark.parametrize(
    ("answer", "expected", "retry_after"),
    [
        ({"errcode": 130101, "errmsg": "send too fast"}, Status.RETRY, 600),
        ({"errcode": 310000, "errmsg": "keywords not in content"}, Status.FAILED, None),
        ({"errcode": 310000, "errmsg": "sign not match"}, Status.FAILED, None),
    ],
)
def test_dingtalk_error_codes(
    receiver: Receiver, answer: Any, expected: Status, retry_after: Any
) -> None:
    receiver.reply(200, answer)
    result = DingTalkTransport(receiver.url, "SECx", allow_private=True).send([alert()])
    assert (result.status, result.retry_after) == (expected, retry_after)
    assert answer["errmsg"] in result.reason


def test_dingtalk_batches_many_alerts_into_one_message(receiver: Receiver) -> None:
    alerts = [alert(n) for n in range(1, 51)]

    result = DingTalkTransport(receiver.url, allow_private=True).send(alerts)

    assert result.sent and len(result.delivered) == 50
    assert len(receiver.requests) == 1
    text = receiver.requests[0].json["markdown"]["text"]
    assert all(f"INC-{n} breached" in text for n in range(1, 51))
    assert receiver.requests[0].json["markdown"]["title"] == "sladesk: 50 alerts"


def test_a_retry_after_a_partial_send_reports_what_was_delivered(receiver: Receiver) -> None:
    receiver.reply(200, {"errcode": 0, "errmsg": "ok"})
    receiver.reply(200, {"errcode": 130101, "errmsg": "send too fast"})
    big = "告警" * 4000  # 24 000 bytes: one alert per DingTalk message
    alerts = [alert(n, text=big, markdown=big) for n in range(1, 4)]

    result = DingTalkTransport(receiver.url, allow_private=True).send(alerts)

    assert result.status == Status.RETRY and result.delivered == ("msg_1",)
    assert len(receiver.requests) == 2


# WeCom ------------------------------------------------------------------------------------


def test_wecom_posts_markdown_to_the_keyed_url(receiver: Receiver) -> None:
    result = WeComTransport(
        receiver.url + "/cgi-bin/webhook/send?key=abc", allow_private=True
    ).send([alert()])
    assert result.sent
    request = receiver.requests[0]
    assert request.query == {"key": ["abc"]}
    assert request.json["msgtype"] == "markdown"
    assert "INC-1 breached" in request.json["markdown"]["content"]


def test_wecom_text_mode_uses_the_plain_text(receiver: Receiver) -> None:
    WeComTransport(receiver.url, "text", allow_private=True).send([alert()])
    body = receiver.requests[0].json
    assert body == {
        "msgtype": "text",
        "text": {"content": "INC-1 breached\nTicket breached its response deadline"},
    }


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"errcode": 45009, "errmsg": "api freq out of limit"}, Status.RETRY),
        ({"errcode": 93000}, Status.FAILED),
    ],
)
def test_wecom_error_codes(receiver: Receiver, answer: Any, expected: Status) -> None:
    receiver.reply(200, answer)
    assert WeComTransport(receiver.url, allow_private=True).send([alert()]).status == expected


@pytest.mark.parametrize(("markup", "limit"), [("markdown", 4096), ("text", 2048)])
def test_batching_chinese_alerts_keeps_every_one_within_the_byte_limit(
    markup: str, limit: int
) -> None:
    transport = WeComTransport("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", markup)
    alerts = [
        alert(n, text=f"工单 {n} 已超出响应时限，请立即处理。" * (n % 7 + 1)) for n in range(1, 81)
    ]

    batches = transport.batch(alerts)

    assert 1 < len(batches) < 80
    body = "markdown" if markup == "markdown" else "text"
    assert all(len(getattr(batch, body).encode()) <= limit for batch in batches)
    keys = [key for batch in batches for key in batch.idempotency_key.split(" ")]
    assert keys == [f"msg_{n}" for n in range(1, 81)]
    joined = "".join(getattr(batch, body) for batch in batches)
    assert all(f"INC-{n} breached" in joined for n in range(1, 81))


def test_a_single_alert_over_the_limit_is_truncated_with_a_marker_and_the_link() -> None:
    transport = WeComTransport("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    huge = alert(1, text="超时" * 3000, markdown="超时" * 3000, url="https://desk.example/t/1")

    [batch] = transport.batch([huge])

    encoded = batch.markdown.encode()
    assert len(encoded) <= 4096
    encoded.decode("utf-8")  # cut on a character boundary
    assert batch.markdown.endswith(f"{TRUNCATED} https://desk.example/t/1")
    assert batch.markdown.startswith("### INC-1 breached")


# Feishu / Lark ----------------------------------------------------------------------------

FEISHU_SECRET = "demoSecret123"


def test_feishu_signs_the_body_with_timestamp_and_secret_as_the_key(receiver: Receiver) -> None:
    result = FeishuTransport(
        receiver.url + "/open-apis/bot/v2/hook/x", FEISHU_SECRET, allow_private=True
    ).send([alert()])

    assert result.sent
    body = receiver.requests[0].json
    timestamp = body["timestamp"]
    assert isinstance(timestamp, str) and len(timestamp) == 10  # seconds, as a string
    # Feishu's documented gen_sign: hmac.new(f"{timestamp}\n{secret}", digestmod=sha256) over
    # nothing, then Base64 — the string to sign is the key, not the message.
    key = f"{timestamp}\n{FEISHU_SECRET}".encode()
    assert (
        body["sign"] == base64.b64encode(hmac.new(key, digestmod=hashlib.sha256).digest()).decode()
    )
    assert body["sign"] != hmac_b64(FEISHU_SECRET.encode(), key)  # not DingTalk's way
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"]["title"]["content"] == "INC-1 breached"
    assert "INC-1 breached" in body["card"]["elements"][0]["content"]


def test_feishu_without_secret_sends_no_signature(receiver: Receiver) -> None:
    FeishuTransport(receiver.url, allow_private=True).send([alert()])
    assert "sign" not in receiver.requests[0].json


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"code": 9499, "msg": "too many request"}, Status.RETRY),
        ({"code": 11232, "msg": "frequency limited"}, Status.RETRY),
        (
            {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"},
            Status.FAILED,
        ),
        ({"code": 19024, "msg": "Key Words Not Found"}, Status.FAILED),
    ],
)
def test_feishu_error_codes(receiver: Receiver, answer: Any, expected: Status) -> None:
    receiver.reply(200, answer)
    result = FeishuTransport(receiver.url, FEISHU_SECRET, allow_private=True).send([alert()])
    assert result.status == expected and answer["msg"] in result.reason


def test_feishu_sends_at_most_five_posts_per_call_and_retries_the_rest(receiver: Receiver) -> None:
    big = "告警" * 4000  # over 18 000 bytes: one alert per Feishu message
    alerts = [alert(n, text=big, markdown=big) for n in range(1, 8)]

    result = FeishuTransport(receiver.url, allow_private=True).send(alerts)

    assert len(receiver.requests) == 5
    assert result.status == Status.RETRY and result.retry_after == 1
    assert result.delivered == tuple(f"msg_{n}" for n in range(1, 6))


# E-mail -----------------------------------------------------------------------------------


def test_email_sends_text_with_an_html_alternative(mailoutbox: list[Any]) -> None:
    message = alert(1, html="<p><b>Ticket breached</b></p>", url="https://desk.example/t/1")

    result = EmailTransport(["alice@example.com", "bob@example.com"]).send([message, alert(2)])

    assert result.sent and result.delivered == ("msg_1", "msg_2")
    first, second = mailoutbox
    assert first.subject == "INC-1 breached"
    assert first.to == ["alice@example.com", "bob@example.com"]
    assert first.body.startswith("Ticket breached its response deadline")
    assert "https://desk.example/t/1" in first.body
    assert first.alternatives[0].content == "<p><b>Ticket breached</b></p>"
    assert first.alternatives[0].mimetype == "text/html"
    assert first.extra_headers["X-Sladesk-Key"] == "msg_1"
    assert second.alternatives == []

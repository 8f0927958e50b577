"""A channel row as a transport that can send, and the time zone its messages are written in."""

from __future__ import annotations

from django.conf import settings

from .models import Channel, ChannelKind
from .transports import (
    DingTalkTransport,
    EmailTransport,
    FeishuTransport,
    Transport,
    WebhookTransport,
    WeComTransport,
)


def transport_for(channel: Channel) -> Transport:
    private = settings.SLADESK_ALLOW_PRIVATE_URLS
    match channel.kind:
        case ChannelKind.EMAIL:
            address = channel.address or (channel.user.email if channel.user else "")
            return EmailTransport([address])
        case ChannelKind.WEBHOOK:
            return WebhookTransport(channel.url, channel.secret, allow_private=private)
        case ChannelKind.DINGTALK:
            return DingTalkTransport(channel.url, channel.secret, allow_private=private)
        case ChannelKind.WECOM:
            return WeComTransport(channel.url, channel.markup, allow_private=private)
        case ChannelKind.FEISHU:
            return FeishuTransport(channel.url, channel.secret, allow_private=private)
    raise ValueError(f"unknown channel kind {channel.kind!r}")


def zone_of(channel: Channel) -> str:
    """The owner's time zone for a person's channel, the site's for a team's."""
    if channel.user is not None and channel.user.time_zone:
        return channel.user.time_zone
    return settings.TIME_ZONE

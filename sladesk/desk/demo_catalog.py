"""The demo's catalog texts, an agreement with finance, and a few outages, so that the
catalog, agreements and availability pages have something to show after `make run`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from sladesk.desk.models import Service
from sladesk.people.models import Organisation, Role, User
from sladesk.sla import versions

# code -> support hours, modes, what it includes, what it does not
CATALOG = {
    "reports": (
        "cn-5x8",
        ["phone", "remote"],
        "账号与权限、报表无法打开或数据异常、月结报表导出",
        "新报表的定制开发（另行立项）",
    ),
    "erp": (
        "always",
        ["phone", "remote", "onsite"],
        "登录与权限、单据异常、接口故障",
        "业务流程变更咨询",
    ),
    "mail": ("always", ["remote"], "邮箱开通与容量、收发故障、通讯录", "个人邮箱客户端的安装"),
    "vpn": ("cn-5x8", ["phone", "remote"], "账号开通、连接故障", "家庭网络的排障"),
}


def load(now: datetime) -> None:
    """Fill in the catalog, sign an agreement for this year, record three outages."""
    for code, (calendar, modes, included, excluded) in CATALOG.items():
        Service.objects.filter(code=code).update(
            calendar=calendar,
            modes=modes,
            channels=["portal", "email", "phone"],
            included=included,
            excluded=excluded,
            availability_goal=Decimal("0.999") if calendar == "always" else Decimal("0.995"),
            max_outage=240,
            max_unplanned_per_month=1,
        )
    _agreement(now)
    _outages(now)


def _agreement(now: datetime) -> None:
    from sladesk.agreements import lifecycle

    today = timezone.localdate(now)
    manager = User.objects.filter(role=Role.SERVICE_MANAGER).first()
    agreement = lifecycle.create(
        title="财务部 IT 支持服务水平协议",
        provider=Organisation.objects.get(code="it"),
        customer=Organisation.objects.get(code="finance"),
        sla_version=versions.in_force(),
        effective_from=date(today.year, 1, 1),
        expires_on=date(today.year, 12, 31),
        services=Service.objects.filter(code__in=["reports", "erp", "mail"]),
        by=manager,
        auto_renew=True,
        penalty_terms="未达SLO标准每出现1次扣减当月服务评分，因需求方原因导致的超时不计入考核。",
    )
    lifecycle.sign(agreement, signed_on=date(today.year - 1, 12, 20), by=manager, today=today)


def _outages(now: datetime) -> None:
    from sladesk.catalog.models import Outage, OutageKind, OutageSource

    erp, mail = Service.objects.get(code="erp"), Service.objects.get(code="mail")
    day = timezone.localtime(now).replace(hour=10, minute=0, second=0, microsecond=0)
    Outage.objects.create(
        service=erp,
        started_at=day - timedelta(days=20),
        ended_at=day - timedelta(days=20, hours=-2),
        cause="数据库主库磁盘写满，切换到备库",
        major=True,
        source=OutageSource.MANUAL,
    )
    Outage.objects.create(
        service=mail,
        started_at=day - timedelta(days=45),
        ended_at=day - timedelta(days=45, minutes=-40),
        cause="反垃圾网关故障",
        source=OutageSource.MANUAL,
    )
    start = (day + timedelta(days=12)).replace(hour=22)
    Outage.objects.create(
        service=erp,
        kind=OutageKind.PLANNED,
        started_at=start,
        ended_at=start + timedelta(hours=3),
        cause="ERP 版本升级",
        announced_at=now,
    )

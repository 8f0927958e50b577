"""Demo data: a small company's IT service desk with three months of tickets behind it.

`sladesk demo` loads it into an empty database. Every ticket is replayed through
sladesk.desk.actions at the instants it happened, all tickets together in time order, so
assignment, history and SLA clocks are exactly what sladesk would have recorded. The
random choices are seeded: the same seed on the same day gives the same data.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.db import transaction
from django.db.models import Avg, Q

from sladesk.engine.calendar import Calendar
from sladesk.engine.config import Config, parse_config
from sladesk.kb import demo as knowledge_demo
from sladesk.people.models import Membership, Organisation, Role, Team, User
from sladesk.sla import versions
from sladesk.sla.models import Clock, ClockState

from . import actions, demo_catalog
from .models import OPEN_STATUSES, Category, Service, Status, Ticket

DEFAULT_SLA = Path(__file__).parents[1] / "sla" / "default.yaml"
DAYS = 91  # the last three months
SEED = 2026

# Demo passwords, printed by `sladesk demo`: for trying sladesk out, never for real use.
ADMIN_LOGIN = ("admin", "admin")
DEMO_PASSWORD = "demo"  # noqa: S105 - every other demo person's, printed for all to see
REQUESTER_LOGIN = "zhangsan"
AGENT_LOGIN = "lisi"

# -- who ------------------------------------------------------------------------------

ORGANISATIONS = [
    # code, name, kind
    ("it", "信息技术部", Organisation.Kind.PROVIDER),
    ("finance", "财务部", Organisation.Kind.DEPARTMENT),
    ("hr", "人力资源部", Organisation.Kind.DEPARTMENT),
    ("sales", "销售部", Organisation.Kind.DEPARTMENT),
    ("production", "生产部", Organisation.Kind.DEPARTMENT),
    ("hd-logistics", "华东物流有限公司", Organisation.Kind.CUSTOMER),
]

PEOPLE = [
    # username, full name, role, organisation, phone
    ("zhangsan", "张三", Role.REQUESTER, "finance", "8201"),
    ("qianli", "钱丽", Role.REQUESTER, "finance", "8202"),
    ("sunyue", "孙悦", Role.REQUESTER, "finance", "8203"),
    ("zhouting", "周婷", Role.REQUESTER, "hr", "8301"),
    ("wumin", "吴敏", Role.REQUESTER, "hr", "8302"),
    ("zhenghao", "郑浩", Role.REQUESTER, "sales", "8401"),
    ("fengxue", "冯雪", Role.REQUESTER, "sales", "8402"),
    ("chenchen", "陈晨", Role.REQUESTER, "sales", "8403"),
    ("chujianguo", "褚建国", Role.REQUESTER, "production", "8501"),
    ("weidong", "卫东", Role.REQUESTER, "production", "8502"),
    ("jiangtao", "蒋涛", Role.REQUESTER, "production", "8503"),
    ("shenqiang", "沈强", Role.REQUESTER, "hd-logistics", "021-5550-0101"),
    ("hanmei", "韩梅", Role.REQUESTER, "hd-logistics", "021-5550-0102"),
    ("liuqiang", "刘强", Role.TEAM_LEAD, "it", "8100"),
    ("lisi", "李四", Role.AGENT, "it", "8101"),
    ("wangfang", "王芳", Role.AGENT, "it", "8102"),
    ("liuyang", "刘洋", Role.AGENT, "it", "8103"),
    ("chenjing", "陈静", Role.AGENT, "it", "8104"),
    ("zhaolei", "赵磊", Role.TEAM_LEAD, "it", "8110"),
    ("yangfan", "杨帆", Role.AGENT, "it", "8111"),
    ("huangwei", "黄伟", Role.AGENT, "it", "8112"),
    ("wangjingli", "王经理", Role.SERVICE_MANAGER, "it", "8001"),
]

# How many tickets each organisation raises, relatively.
ORGANISATION_WEIGHTS = {"finance": 5, "hr": 3, "sales": 5, "production": 5, "hd-logistics": 2}

TEAMS = [
    # code, name, level, lead, agents. The lead is a member off duty: leads are not given
    # new tickets by the round-robin, they take them by hand.
    ("l1", "一线支持", Team.Level.FIRST_LINE, "liuqiang", "lisi wangfang liuyang chenjing"),
    ("l2", "二线支持", Team.Level.SECOND_LINE, "zhaolei", "yangfan huangwei"),
]

CATEGORIES = [
    # code, name, English name
    ("hardware", "硬件设备", "Hardware"),
    ("software", "软件系统", "Software"),
    ("network", "网络连接", "Network"),
    ("access", "账号权限", "Accounts and permissions"),
    ("advice", "技术咨询", "Technical advice"),
    ("improvement", "优化建议", "Improvement suggestions"),
]

SERVICES = [
    # code, name, English name, description
    ("reports", "报表系统", "Reporting", "财务与经营报表，月度结账依赖它。"),
    ("erp", "ERP", "ERP", "采购、销售、库存与生产计划。"),
    ("mail", "邮件", "E-mail", "公司邮箱、通讯录与日历。"),
    ("vpn", "VPN", "VPN", "出差与居家办公的远程接入。"),
    ("pc", "办公电脑", "Office computers", "台式机、笔记本与办公软件。"),
    ("printer", "打印机", "Printers", "各楼层打印机与复印机。"),
    ("lan", "办公网络", "Office network", "有线网络与无线 Wi-Fi。"),
    ("dingtalk", "钉钉", "DingTalk", "审批、考勤与即时消息。"),
]

# -- what -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A kind of ticket people raise, with how it is usually solved."""

    service: str
    category: str
    impact: str
    urgency: str
    kind: str
    subject: str
    description: str
    resolution: str


def _problems(table: str) -> list[Problem]:
    """Problems written as: `service category impact urgency kind`, then three indented
    lines: subject, description, resolution."""
    problems, lines = [], [line.strip() for line in table.strip().splitlines()]
    for i in range(0, len(lines), 4):
        service, category, impact, urgency, kind = lines[i].split()
        problems.append(Problem(service, category, impact, urgency, kind, *lines[i + 1 : i + 4]))
    return problems


# I001 of the seed template (表2), replayed on the last working day.
(EXAMPLE,) = _problems("""
reports software high high incident
    报表系统无法登录，影响月度结账
    报表系统一直提示“登录超时”，财务部所有人都进不去，月度结账今天必须完成。附错误截图。
    报表服务的数据库连接池耗尽，已重启服务并调大连接池上限，登录恢复正常，已加监控告警。
""")

# The default SLA's matrix makes high x high P1; high x medium and medium x high P2;
# high x low, medium x medium and low x high P3; the rest P4.
PROBLEMS = _problems("""
erp software high high incident
    ERP系统宕机，全公司无法录入订单
    ERP打开后白屏，销售和仓库都无法下单、出库。
    应用服务器内存溢出，已重启并调整JVM参数，业务恢复。
mail software high high incident
    邮件服务器无法收发邮件
    从九点开始全公司收不到外部邮件，发出去的邮件也被退回。
    邮件网关证书过期，已更新证书并重发队列中的邮件。
lan network high high incident
    生产车间网络全部中断
    车间所有终端断网，MES无法报工，产线停工待料。
    车间汇聚交换机电源故障，已更换备用交换机，网络恢复。
vpn network high high incident
    VPN网关故障，所有远程用户无法连接
    出差和居家的同事都连不上VPN，提示“服务器无响应”。
    VPN网关许可证到期导致拒绝连接，已续期许可证并重启服务。
erp software high medium incident
    ERP采购模块保存订单报错
    保存采购订单时提示“数据库约束错误”，本部门的采购单都提交不了。
    供应商主数据有重复编码，已清理并修复约束，订单可正常保存。
reports software medium high incident
    月度销售报表数据不更新
    销售报表还停在上周的数据，今天下午要给总经理汇报。
    夜间数据同步任务失败，已修复任务并手工补跑，数据已更新。
printer hardware medium high incident
    财务室打印机无法打印发票
    发票打印机一直显示“脱机”，今天要寄出一批发票。
    打印机IP地址冲突，已改为固定地址并重新添加打印队列。
lan network high medium incident
    三楼会议室无线网络频繁掉线
    三楼几个会议室Wi-Fi每隔几分钟断一次，视频会议无法进行。
    无线AP信道干扰，已调整信道并升级AP固件。
mail software high medium incident
    部门邮箱群组收不到外部邮件
    客户发到部门群组邮箱的邮件都没收到。
    群组的外部发件权限被误关，已重新开启并补收邮件。
vpn network medium high incident
    出差人员VPN连接后无法访问ERP
    VPN能连上，但打不开ERP，客户在等报价。
    VPN地址池路由缺少ERP网段，已补充路由策略。
erp software medium high incident
    ERP库存数量与实际不符
    盘点发现ERP库存和实物差异很大，影响今天发货。
    出库单重复过账，已冲销重复单据并修正库存。
pc hardware medium medium incident
    电脑开机很慢，经常卡死
    开机要五六分钟，打开Excel也经常无响应。
    硬盘有坏道，已更换固态硬盘并迁移数据。
pc hardware medium medium incident
    笔记本电脑蓝屏
    今天已经蓝屏三次，提示 DRIVER_IRQL_NOT_LESS_OR_EQUAL。
    网卡驱动不兼容，已回退到稳定版本驱动。
printer hardware medium medium incident
    打印机卡纸，打印有黑线
    二楼打印机频繁卡纸，打出来的纸上有黑线。
    已更换硒鼓和搓纸轮，打印正常。
mail software medium medium incident
    Outlook无法同步日历
    手机上能看到会议邀请，电脑Outlook里的日历不更新。
    本地缓存文件损坏，已重建Outlook配置文件。
reports access medium medium request
    需要开通报表系统查看权限
    新调岗到本部门，需要查看部门费用报表。
    已按审批开通报表系统部门费用报表的查看权限。
erp access low high request
    新员工入职，申请ERP账号
    新同事明天入职，需要ERP账号和销售模块权限。
    已创建ERP账号并分配销售模块角色，初始密码已单独发送。
vpn access medium medium request
    申请开通VPN账号
    下周开始出差两周，需要远程访问公司系统。
    已开通VPN账号，有效期一个月，使用说明已发送。
dingtalk software medium medium incident
    钉钉审批流程显示异常
    报销审批提交后审批人看不到待办。
    审批模板的审批人规则配置有误，已修正并重新推送待办。
lan network medium medium incident
    工位网口无法上网
    换了工位以后，网线插上没有网络。
    该网口未在交换机上启用，已配置端口并测试通过。
erp advice high low request
    如何在ERP中批量导入客户资料
    有两百多个新客户要录入，想了解批量导入的办法。
    已提供导入模板和操作指引，并协助完成第一次导入。
mail access low high request
    邮箱密码忘记，需要重置
    邮箱密码输错多次被锁定了。
    已解锁账号并重置密码，提醒开启双重验证。
reports software medium medium incident
    报表导出的PDF中文乱码
    导出的PDF里中文都显示成方块。
    报表服务器缺少中文字体，已安装字体并重启服务。
pc advice low medium request
    如何设置双显示器
    领了第二台显示器，不知道怎么设置扩展屏。
    已远程协助设置扩展显示并发送图文说明。
mail advice medium low request
    咨询邮箱容量扩容
    邮箱快满了，能否扩容，或者怎么归档旧邮件。
    已将邮箱容量从5GB调整为10GB，并说明归档方法。
reports improvement low low request
    建议报表系统增加导出Excel功能
    目前只能导出PDF，希望能导出Excel方便二次分析。
    已纳入报表系统下个版本的需求清单，预计下月上线。
erp improvement low low request
    希望ERP审批页面增加批量操作
    每天要逐条审批几十张单据，希望能批量审批。
    已与ERP厂商确认，批量审批功能已在测试环境配置，下周发布。
printer advice low medium request
    如何设置默认双面打印
    想把电脑默认打印改成双面，节约用纸。
    已远程修改打印首选项为默认双面，并发送设置步骤。
pc software medium low request
    申请安装Visio软件
    工作需要画流程图，申请安装Visio。
    已通过软件中心推送安装Visio，许可证已登记。
vpn advice low medium request
    咨询在家如何使用VPN
    第一次居家办公，不知道怎么连VPN。
    已发送VPN客户端下载地址和使用手册，并电话指导连接成功。
dingtalk improvement low low request
    建议调整钉钉考勤提醒时间
    希望下班打卡提醒从18:00改到18:10。
    已调整考勤提醒时间为18:10。
pc hardware low low request
    申请更换鼠标键盘
    键盘有几个键失灵，鼠标滚轮也不灵了。
    已更换新的键盘和鼠标。
mail access medium low request
    申请共享邮箱访问权限
    需要访问部门的共享邮箱处理客户来信。
    已按审批授予共享邮箱的读写权限。
lan advice low medium request
    访客Wi-Fi密码是多少
    下午有客户来访，需要给客户连Wi-Fi。
    已告知访客Wi-Fi的申请方式，并生成当日临时密码。
""")

RESPONSES = [
    "您好，工单已收到，正在排查，请稍候。",
    "已收到，我先远程看一下，稍后给您回复处理方案。",
    "您好，已确认问题，初步判断与配置有关，正在处理。",
    "收到，已安排处理，如有进展会第一时间同步您。",
]
UPDATES = [
    "进展同步：已定位到原因，正在处理，预计今天内恢复。",
    "进展同步：问题仍在排查，已联系相关同事协助。",
    "进展同步：已完成部分修复，正在验证。",
]
NOTES = [
    "查看了服务器日志，发现大量超时错误。",
    "已和用户电话确认现象，可以复现。",
    "同类问题上周也出现过，参考知识库文章处理。",
    "已在测试环境复现，正在对比配置差异。",
]
WAITING_ASKS = [
    "请提供报错截图和具体的操作步骤。",
    "请告知您的电脑资产编号（贴在主机背面）。",
    "需要您部门负责人的审批，请在钉钉提交审批后告知。",
    "请确认问题出现的时间，以及是否只有您一人受影响。",
]
ANSWERS = [
    "截图已上传，请查看。",
    "资产编号是 PC-2318。",
    "审批已通过，请处理。",
    "从昨天下午开始，同事们也有同样的情况。",
]
ESCALATIONS = [
    "需要数据库层面排查，一线权限不足，升级至二线。",
    "涉及核心网络设备配置，转二线处理。",
    "需要改服务器配置，转二线处理。",
    "怀疑是应用缺陷，需要二线联系厂商。",
]
SECOND_LINE_NOTES = [
    "已接手，正在检查服务器和数据库状态。",
    "已联系厂商技术支持，对方在分析日志。",
    "已制定修复方案，计划在午休时间实施。",
]
VENDOR_WAITS = ["已联系厂商，等待备件寄到（预计两个工作日）。", "需厂商工程师上门，已预约。"]
VENDOR_BACK = ["备件已到，继续处理。", "厂商工程师已到现场。"]
REJECTIONS = [
    "问题依旧，还是不行。",
    "只解决了一部分，另外几台电脑还是有问题。",
    "今天又出现了同样的报错。",
]
REOPENINGS = ["问题又出现了，请再看一下。", "过了两天又复发了。"]
UPGRADES = [
    "影响整个部门的月度结账，上调优先级。",
    "客户在等，影响订单交付，上调优先级。",
]
DOWNGRADES = [
    "仅个别用户受影响，且有临时替代方案，下调优先级。",
    "用户确认不急，本周内处理即可，下调优先级。",
]
COMMENTS = {
    5: ["处理很及时，谢谢。", "非常专业，问题解释得很清楚。", "很快就解决了，点赞。", ""],
    4: ["解决了，响应稍慢。", "满意，谢谢。", ""],
    3: ["问题解决了，但等待时间有点长。", "处理了好几次才好。"],
    2: ["处理太慢，影响工作。", "沟通不够及时。"],
    1: ["问题拖了好几天才解决。"],
}

# -- how often ------------------------------------------------------------------------

PRIORITY_WEIGHTS = {"P1": 3, "P2": 12, "P3": 35, "P4": 50}
RESPONSE_MINUTES = {"P1": 15, "P2": 30, "P3": 120, "P4": 240}  # default.yaml's targets
RESOLUTION_MINUTES = {"P1": 240, "P2": 480, "P3": 1440, "P4": 4320}
# The latest tickets, oldest first, stop where someone still has to act.
LATEST = [Status.IN_PROGRESS, Status.WAITING_REQUESTER, Status.ASSIGNED, Status.NEW, Status.NEW]
BREACH = {"P1": 0.03, "P2": 0.05, "P3": 0.06, "P4": 0.07}  # share of slow responses/resolutions


@dataclass
class Summary:
    """What the demo holds, for the one line `sladesk demo` prints."""

    tickets: int
    people: int
    organisations: int
    seconds: float = 0.0
    by_priority: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    breached: int = 0
    rated: int = 0
    average_rating: float = 0.0

    def line(self) -> str:
        priorities = ", ".join(f"{p} {n}" for p, n in sorted(self.by_priority.items()))
        open_ = sum(self.by_status.get(s, 0) for s in OPEN_STATUSES)
        return (
            f"Demo data: {self.tickets} tickets ({priorities}; {open_} open, "
            f"{self.by_status.get(Status.WAITING_REQUESTER, 0)} waiting on the requester, "
            f"{self.breached} breached, {self.rated} rated {self.average_rating:.1f}/5) "
            f"for {self.organisations} organisations and {self.people} people, "
            f"in {self.seconds:.1f} s."
        )


def existing_data() -> str:
    """What the database already holds that the demo would mix with; empty if nothing."""
    models = {
        "tickets": Ticket,
        "organisations": Organisation,
        "people": User,
        "teams": Team,
        "services": Service,
        "categories": Category,
    }
    found = {name: model.objects.count() for name, model in models.items()}
    return ", ".join(f"{n} {name}" for name, n in found.items() if n)


def load(*, now: datetime, seed: int = SEED, tickets: int = 300) -> Summary:
    """Create the demo desk and replay its tickets up to `now`, all in one transaction."""
    steps = plan(seed=seed, now=now, count=tickets)
    with transaction.atomic():
        if versions.in_force() is None:
            versions.apply(
                DEFAULT_SLA.read_text(encoding="utf-8"),
                file_name=DEFAULT_SLA.name,
                comment="demo: the default SLA",
            )
        _Replay(_Desk.create()).run(steps)
        actions.close_unconfirmed(now=now)  # what the periodic job would have done
        knowledge_demo.load(now)
        _history_is_not_news(now)
        demo_catalog.load(now)
    return _summary(now)


def _history_is_not_news(now: datetime) -> None:
    """Three months of replayed history would otherwise go out as a flood of messages and
    late alarms: its notifications are cancelled and its past-due timers marked fired."""
    from sladesk.notify.models import Notification, NotificationState, Timer, TimerState

    Notification.objects.filter(state=NotificationState.PENDING).update(
        state=NotificationState.CANCELLED, last_error="demo history"
    )
    Timer.objects.filter(state=TimerState.PENDING, due_at__lte=now).update(
        state=TimerState.FIRED, fired_at=now, fired_by="demo history"
    )


def _summary(now: datetime) -> Summary:
    tickets = Ticket.objects.all()
    rated = tickets.filter(rating__isnull=False)
    # Breached when the engine last computed it, or running past its due instant since.
    late = Q(breached_at__isnull=False) | Q(state=ClockState.RUNNING, due__lt=now)
    return Summary(
        tickets=tickets.count(),
        people=User.objects.count(),
        organisations=Organisation.objects.count(),
        by_priority=dict(Counter(tickets.values_list("priority", flat=True))),
        by_status=dict(Counter(tickets.values_list("status", flat=True))),
        breached=Clock.objects.filter(late).values("ticket").distinct().count(),
        rated=rated.count(),
        average_rating=rated.aggregate(avg=Avg("rating"))["avg"] or 0.0,
    )


@dataclass
class _Desk:
    """The demo's people, teams and catalog, by username and code."""

    people: dict[str, User]
    teams: dict[str, Team]
    categories: dict[str, Category]
    services: dict[str, Service]

    @classmethod
    def create(cls) -> _Desk:
        orgs = {
            code: Organisation.objects.create(code=code, name=name, kind=kind)
            for code, name, kind in ORGANISATIONS
        }
        password = _demo_hash(DEMO_PASSWORD)
        people = {
            username: User(
                username=username,
                full_name=full_name,
                role=role,
                organisation=orgs[org],
                phone=phone,
                email=f"{username}@example.com",
                password=password,
            )
            for username, full_name, role, org, phone in PEOPLE
        }
        people[ADMIN_LOGIN[0]] = User(
            username=ADMIN_LOGIN[0],
            password=_demo_hash(ADMIN_LOGIN[1]),
            full_name="系统管理员",
            role=Role.ADMINISTRATOR,
            organisation=orgs["it"],
            email="admin@example.com",
            is_staff=True,
            is_superuser=True,
        )
        User.objects.bulk_create(people.values())
        teams = {}
        for code, name, level, lead, agents in TEAMS:
            team = teams[code] = Team.objects.create(
                code=code, name=name, level=level, lead=people[lead]
            )
            Membership.objects.create(team=team, user=people[lead], on_duty=False)
            for username in agents.split():
                Membership.objects.create(team=team, user=people[username])
        teams["l1"].escalates_to = teams["l2"]
        teams["l1"].save(update_fields=["escalates_to"])
        categories = {
            code: Category.objects.create(code=code, name=name, name_en=name_en)
            for code, name, name_en in CATEGORIES
        }
        services = {
            code: Service.objects.create(
                code=code, name=name, name_en=name_en, description=text, team=teams["l1"]
            )
            for code, name, name_en, text in SERVICES
        }
        return cls(people, teams, categories, services)


def _demo_hash(password: str) -> str:
    """A cheap hash when the site hashes with PBKDF2, upgraded by Django at the first login.

    Demo passwords are printed for all to see, and a full-strength hash costs most of a
    second each.
    """
    hasher = get_hasher()
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(password, hasher.salt(), iterations=1000)
    return make_password(password)


# -- the plan: every ticket's life as timed steps ---------------------------------------


@dataclass(order=True)
class Step:
    """One action on one ticket; steps sort by time, then ticket, then their order."""

    at: datetime
    ticket: int
    order: int
    action: str = field(compare=False)
    args: dict[str, Any] = field(compare=False, default_factory=dict)


@lru_cache(maxsize=1)
def _default() -> Config:
    """default.yaml: its calendar is the company's office hours, its matrix the priorities."""
    return parse_config(DEFAULT_SLA.read_text(encoding="utf-8"), DEFAULT_SLA.name)


def plan(*, seed: int, now: datetime, count: int) -> list[Step]:
    """All tickets' steps up to `now`: what would happen later has not happened yet."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    office = _default().calendars["cn-5x8"]
    now = now.astimezone(office.tz)
    start = now - timedelta(days=DAYS)
    lo, hi = office.position(start.timestamp()), office.position(now.timestamp())
    created = []
    for _ in range(count - 1):
        if rng.random() < 0.88:  # mostly in office hours
            t = office.instant(rng.uniform(lo, hi))
        else:
            t = rng.uniform(start.timestamp(), now.timestamp())
        created.append(datetime.fromtimestamp(int(t), office.tz))
    created.sort()
    matrix = _default().matrix or {}
    by_priority: dict[str, list[Problem]] = {}
    for problem in PROBLEMS:
        by_priority.setdefault(matrix[problem.impact][problem.urgency], []).append(problem)
    orgs, org_weights = zip(*ORGANISATION_WEIGHTS.items(), strict=True)
    priorities, weights = zip(*PRIORITY_WEIGHTS.items(), strict=True)
    requesters = {
        org: [u for u, _name, role, o, _phone in PEOPLE if o == org and role == Role.REQUESTER]
        for org in orgs
    }
    steps = _example(now)
    for key, t in enumerate(created, start=1):
        priority = rng.choices(priorities, weights)[0]
        problem = rng.choice(by_priority[priority])
        requester = rng.choice(requesters[rng.choices(orgs, org_weights)[0]])
        # The latest tickets stop where someone still has to act.
        stall = LATEST[key - len(created) - 1] if key > len(created) - len(LATEST) else ""
        life = _Life(key, t, office, round_the_clock=priority == "P1")
        _live(rng, life, problem, priority, requester, (now - t) < timedelta(days=2), stall)
        steps += life.steps
    return [s for s in steps if s.at <= now]


class _Life:
    """One ticket's steps, in the order and at the times they happen."""

    def __init__(self, key: int, created: datetime, office: Calendar, round_the_clock: bool):
        self.key = key
        self.t = created
        self.steps: list[Step] = []
        self.office = office
        self.round_the_clock = round_the_clock  # P1 is worked 24x7, as its clocks run
        self.left = 0.0  # minutes of agent time planned until the resolution

    def add(self, action: str, **args: Any) -> None:
        self.steps.append(Step(self.t, self.key, len(self.steps), action, args))

    def work(self, minutes: float) -> None:
        """Agents work `minutes` (at least one) of their time."""
        if self.round_the_clock:
            self.t += timedelta(seconds=round(max(minutes, 1) * 60))
        else:
            self.wait(minutes)

    def spend(self, minutes: float) -> None:
        """Agents work `minutes` of the time planned for the resolution."""
        minutes = min(minutes, self.left)
        self.left -= minutes
        self.work(minutes)

    def wait(self, minutes: float) -> None:
        """`minutes` (at least one) of office hours pass."""
        end = self.office.add(self.t.timestamp(), max(minutes, 1) * 60)
        self.t = datetime.fromtimestamp(round(end), self.t.tzinfo)


def _live(
    rng: random.Random,
    life: _Life,
    problem: Problem,
    priority: str,
    requester: str,
    recent: bool,
    stall: str,
) -> None:
    """Plan a ticket from creation to its close, or to where it stalls (`stall`: a status)."""
    chance = rng.random
    phoned = priority in ("P1", "P2") and chance() < 0.15  # an agent opens it during a call
    # Arrives while nobody in first line is on duty: it waits, new, for the lead.
    queued = stall == Status.NEW or (recent and chance() < 0.2)
    life.add("create", problem=problem, requester=requester, phoned=phoned, queued=queued)
    if stall == Status.NEW:
        return
    if queued:
        life.work(rng.uniform(10, 90))
        life.add("pick_up")
    if stall == Status.ASSIGNED:
        return
    # The first response: mostly well within the target, sometimes late.
    response = RESPONSE_MINUTES[priority] * _share(rng, BREACH[priority])
    life.work(response)
    life.add("reply", text=rng.choice(RESPONSES))
    if stall == Status.IN_PROGRESS:
        return
    share = _share(rng, BREACH[priority])
    late = share > 1 or response > RESPONSE_MINUTES[priority]
    life.left = RESOLUTION_MINUTES[priority] * share - response
    if chance() < 0.06:
        life.spend(5)
        life.add(
            "priority",
            up=chance() < 0.5,
            up_reason=rng.choice(UPGRADES),
            down_reason=rng.choice(DOWNGRADES),
        )
    if chance() < 0.2:
        life.spend(life.left * 0.1)
        life.add("note", text=rng.choice(NOTES))
    if stall == Status.WAITING_REQUESTER or (recent and chance() < 0.3) or chance() < 0.03:
        life.spend(life.left * 0.1)
        life.add("wait", text=rng.choice(WAITING_ASKS))  # the requester never answers
        return
    if chance() < 0.18:
        life.spend(life.left * 0.2)
        life.add("wait", text=rng.choice(WAITING_ASKS))
        life.wait(rng.choice([20, 60, 240, 600, 1200]))  # the clock is paused meanwhile
        life.add("answer", text=rng.choice(ANSWERS))
    if problem.category == "hardware" and chance() < 0.2:
        life.spend(life.left * 0.1)
        life.add("vendor", text=rng.choice(VENDOR_WAITS))
        life.work(rng.choice([240, 600, 960]))  # the vendor's delay counts, and may breach
        life.add("vendor_back", text=rng.choice(VENDOR_BACK))
    if chance() < 0.15:
        life.spend(life.left * 0.2)
        life.add("escalate", text=rng.choice(ESCALATIONS))
        life.spend(rng.uniform(5, 30))
        life.add("note", text=rng.choice(SECOND_LINE_NOTES))
    # Progress to the requester after 4 h, then every working day (when they remember).
    every = 240
    while life.left > every * 1.2 and chance() < 0.6:
        life.spend(every)
        life.add("update", text=rng.choice(UPDATES))
        every = 480
    life.spend(life.left)
    life.add("resolve", text=problem.resolution)
    if chance() < 0.06:
        late = True
        life.wait(rng.uniform(30, 480))
        life.add("reject", text=rng.choice(REJECTIONS))
        life.work(rng.uniform(30, 240))
        life.add("resolve", text=problem.resolution)
    if chance() < 0.15:
        return  # never confirmed: sladesk closes it after the confirmation period
    life.wait(rng.choice([5, 30, 120, 480, 960]))
    rating = _rating(rng, late) if chance() < 0.85 else None
    comment = rng.choice(COMMENTS[rating]) if rating else ""
    if chance() < 0.04:  # confirmed, then the problem comes back
        life.add("confirm", rating=None, comment="")
        life.wait(rng.uniform(480, 2400))
        life.add("reopen", text=rng.choice(REOPENINGS))
        life.work(rng.uniform(10, 60))
        life.add("reply", text=rng.choice(RESPONSES))
        life.work(rng.uniform(60, 480))
        life.add("resolve", text=problem.resolution)
        life.wait(rng.uniform(30, 600))
    life.add("confirm", rating=rating, comment=comment)


def _share(rng: random.Random, late: float) -> float:
    """The share of a target used: usually a fraction of it, for `late` of them more."""
    return rng.uniform(1.05, 2.5) if rng.random() < late else rng.uniform(0.1, 0.85)


def _rating(rng: random.Random, late: bool) -> int:
    """Mostly 4 and 5; lower when the ticket took too long or came back."""
    return rng.choices([5, 4, 3, 2, 1], [20, 30, 25, 15, 10] if late else [62, 30, 6, 1, 1])[0]


def _example(now: datetime) -> list[Step]:
    """The seed template's ticket I001, on the last working day before today."""
    office = _default().calendars["cn-5x8"]
    day = now.date() - timedelta(days=1)
    while not office.is_working(datetime.combine(day, time(10), now.tzinfo).timestamp()):
        day -= timedelta(days=1)
    life = _Life(0, datetime.combine(day, time(9), now.tzinfo), office, round_the_clock=True)
    life.add("create", problem=EXAMPLE, requester=REQUESTER_LOGIN, phoned=False, queued=False)
    life.work(2)
    life.add("assign_to", username=AGENT_LOGIN, text="P1 工单，指派报表系统负责人李四处理。")
    life.work(8)
    life.add("reply", text="收到，已确认报表系统登录异常，正在排查数据库连接，预计中午前恢复。")
    life.work(200)
    life.add("resolve", text=EXAMPLE.resolution)
    life.work(25)
    life.add("confirm", rating=5, comment="问题解决及时，月结没有受影响，谢谢。")
    return life.steps


# -- the replay -------------------------------------------------------------------------


class _Replay:
    """Run the planned steps through sladesk.desk.actions, all tickets in time order."""

    def __init__(self, desk: _Desk) -> None:
        self.desk = desk
        self.tickets: dict[int, Ticket] = {}
        # People and teams by id: the tickets the actions return name them by id only.
        self.people = {user.pk: user for user in desk.people.values()}
        self.teams = {team.pk: team for team in desk.teams.values()}

    def run(self, steps: list[Step]) -> None:
        for step in sorted(steps):
            if step.action == "create":
                ticket = self._create(step.at, **step.args)
            else:
                act = getattr(self, f"_{step.action}")
                ticket = act(self.tickets[step.ticket], step.at, **step.args)
            self.tickets[step.ticket] = ticket

    def _agent(self, ticket: Ticket) -> User:
        """The ticket's agent; while it has none, its team's lead."""
        if ticket.assignee_id is not None:
            return self.people[ticket.assignee_id]
        return self._lead(ticket)

    def _lead(self, ticket: Ticket) -> User:
        return self.people[self.teams[ticket.team_id].lead_id]

    def _requester(self, ticket: Ticket) -> User:
        return self.people[ticket.requester_id]

    def _create(
        self, at: datetime, problem: Problem, requester: str, phoned: bool, queued: bool
    ) -> Ticket:
        def create() -> Ticket:
            return actions.create_ticket(
                requester=self.desk.people[requester],
                actor=self.desk.people["liuqiang"] if phoned else None,
                subject=problem.subject,
                description=problem.description,
                service=self.desk.services[problem.service],
                category=self.desk.categories[problem.category],
                impact=problem.impact,
                urgency=problem.urgency,
                kind=problem.kind,
                at=at,
            )

        if not queued:
            return create()
        first_line = Membership.objects.filter(team=self.desk.teams["l1"], on_duty=True)
        on_duty = list(first_line.values_list("pk", flat=True))
        first_line.update(on_duty=False)
        ticket = create()
        Membership.objects.filter(pk__in=on_duty).update(on_duty=True)
        return ticket

    def _pick_up(self, ticket: Ticket, at: datetime) -> Ticket:
        team = self.teams[ticket.team_id]
        return actions.assign(ticket, actor=self._lead(ticket), team=team, at=at)

    def _assign_to(self, ticket: Ticket, at: datetime, username: str, text: str) -> Ticket:
        who = self.desk.people[username]
        if ticket.assignee_id == who.pk:
            return ticket
        team = self.teams[ticket.team_id]
        return actions.assign(
            ticket, actor=self._lead(ticket), team=team, assignee=who, reason=text, at=at
        )

    def _reply(self, ticket: Ticket, at: datetime, text: str) -> Ticket:
        return actions.reply(ticket, actor=self._agent(ticket), body=text, at=at)

    _update = _reply

    def _note(self, ticket: Ticket, at: datetime, text: str) -> Ticket:
        return actions.note(ticket, actor=self._agent(ticket), body=text, at=at)

    def _priority(
        self, ticket: Ticket, at: datetime, up: bool, up_reason: str, down_reason: str
    ) -> Ticket:
        """One step up or down the SLA's priorities; first line never declares the top one."""
        order = versions.config_of(versions.in_force()).priorities
        i = order.index(ticket.priority)
        up = (up and i > 1) or i == len(order) - 1
        return actions.change_priority(
            ticket,
            actor=self._agent(ticket),
            priority=order[i - 1] if up else order[i + 1],
            reason=up_reason if up else down_reason,
            at=at,
        )

    def _wait(self, ticket: Ticket, at: datetime, text: str) -> Ticket:
        return actions.set_status(
            ticket, actor=self._agent(ticket), status=Status.WAITING_REQUESTER, reason=text, at=at
        )

    def _answer(self, ticket: Ticket, at: datetime, text: str) -> Ticket:
        return actions.reply(ticket, actor=self._requester(ticket), body=text, at=at)

    def _vendor(self, ticket: Ticket, at: datetime, text: str) -> Ticket:
        return actions.set_status(
            ticket, actor=self._agent(ticket), status=Status.WAITING_VENDOR, reason=text, at=at
        )

    def _vendor_back(self, ticket: Ticket, at: datetime, text: str) -> Ticket:
        return actions.set_status(
            ticket, actor=self._agent(ticket), status=Status.IN_PROGRESS, reason=text, at=at
        )

    def _escalate(self, ticket: Ticket, at: datetime, text: str) -> Ticket:
        return actions.escalate(ticket, actor=self._agent(ticket), reason=text, at=at)

    def _resolve(self, ticket: Ticket, at: datetime, text: str) -> Ticket:
        return actions.resolve(ticket, actor=self._agent(ticket), resolution=text, at=at)

    def _reject(self, ticket: Ticket, at: datetime, text: str) -> Ticket:
        return actions.reject(ticket, actor=self._requester(ticket), reason=text, at=at)

    def _reopen(self, ticket: Ticket, at: datetime, text: str) -> Ticket:
        return actions.reopen(ticket, actor=self._requester(ticket), reason=text, at=at)

    def _confirm(self, ticket: Ticket, at: datetime, rating: int | None, comment: str) -> Ticket:
        return actions.confirm(
            ticket, actor=self._requester(ticket), rating=rating, comment=comment, at=at
        )

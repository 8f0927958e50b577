"""The demo's knowledge base: articles about the demo desk's common problems (报表, VPN,
打印机, 邮箱, 密码重置, ERP …), some made from its resolved tickets, with the votes, views
and requests spared (deflections) of the last weeks — so that /kb/, /portal/faq/,
/kb/review/ and /reports/knowledge/ have something to show after `make run`.

`sladesk.desk.demo.load` calls load() once its tickets are replayed, in its transaction;
every write goes through `kb.actions`, as a person's would. At the end the search index is
rebuilt, articles and the resolved tickets alike.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from sladesk.desk.models import Category, Service, Status, Ticket
from sladesk.people.models import Organisation, Role, User
from sladesk.search import index

from . import actions
from .models import Article, Language, Visibility

SEED = 2026
MANAGER = "wangjingli"  # sees every ticket: acts on those nobody was assigned


@dataclass(frozen=True)
class Entry:
    """One demo article. `ticket` is the subject of the resolved tickets it was made from
    (the earliest) and that it later solved; `days` how long ago it was written."""

    title: str
    body: str
    service: str | None
    category: str
    owner: str
    days: int = 30
    language: str = Language.ZH_HANS
    visibility: str = Visibility.PUBLIC
    organisations: tuple[str, ...] = ()
    status: str = "published"  # or "draft", "retired"
    ticket: str = ""
    votes: tuple[tuple[str, bool, str], ...] = field(default=())  # username, helpful, comment


ENTRIES = [
    Entry(
        ticket="报表系统无法登录，影响月度结账",
        title="报表系统无法登录或提示“登录超时”怎么办",
        service="reports",
        category="software",
        owner="lisi",
        body="""## 问题/现象

打开报表系统后一直提示“登录超时”，或输入密码后停在登录页。

## 先自己试一试

1. 按 `Ctrl + Shift + Delete` 清除浏览器缓存和 Cookie，关闭所有浏览器窗口后重新登录。
2. 换用 Chrome 或 Edge 浏览器（不支持 IE）。
3. 确认密码没有过期：能登录邮箱，说明域账号正常。

## 还是不行

如果同部门的同事也都登录不了，是服务端故障，请直接提交请求并选择“影响范围：高”，
我们会按 P1 处理。上次类似故障是数据库连接池耗尽，重启服务后即恢复。
""",
        votes=(("qianli", True, ""), ("sunyue", True, "清缓存就好了，谢谢。")),
    ),
    Entry(
        ticket="咨询在家如何使用VPN",
        title="在家或出差时如何连接公司 VPN",
        service="vpn",
        category="network",
        owner="wangfang",
        days=70,
        body="""## 准备

- 已开通 VPN 账号（没有的话请在门户提交“申请开通VPN账号”）。
- 从软件中心安装 VPN 客户端。

## 连接步骤

1. 打开 VPN 客户端，服务器地址填写 `vpn.example.com`。
2. 用户名和密码与电脑开机的域账号相同。
3. 首次连接需要在手机上确认动态口令。

## 常见问题

| 提示 | 处理 |
|---|---|
| 服务器无响应 | 检查家里网络能否打开网页，酒店网络可能屏蔽 VPN，请改用手机热点 |
| 用户名或密码错误 | 域账号密码 90 天过期，先在公司电脑上修改密码 |
| 已连接但打不开 ERP | 断开后重新连接，仍不行请提交请求 |
""",
        votes=(
            ("zhenghao", True, ""),
            ("fengxue", False, "酒店网络用热点也连不上，步骤里能加上端口说明吗？"),
        ),
    ),
    Entry(
        ticket="财务室打印机无法打印发票",
        title="打印机显示“脱机”，无法打印",
        service="printer",
        category="hardware",
        owner="lisi",
        days=60,
        body="""## 问题/现象

打印任务一直排队，打印机状态显示“脱机”。

## 解决方法

1. 确认打印机已开机、网线插好，面板上没有卡纸或缺纸提示。
2. 在“设置 → 打印机和扫描仪”中删除该打印机，再点“添加设备”重新添加。
3. 取消队列中所有卡住的任务后重新打印。

如果多台电脑同时脱机，通常是打印机地址变了，请提交请求，我们会为它设置固定地址。
""",
        votes=(("chujianguo", True, ""),),
    ),
    Entry(
        ticket="邮箱密码忘记，需要重置",
        title="邮箱密码忘记或账号被锁定",
        service="mail",
        category="access",
        owner="liuyang",
        days=50,
        body="""## 问题/现象

密码输错多次后提示“账号已锁定”，或者忘记了邮箱密码。

## 解决方法

- 锁定 30 分钟后会自动解锁，请稍后再试。
- 忘记密码：在门户提交请求并注明工号，IT 核实身份后重置，临时密码通过短信发送。
- 登录后请立即修改密码，并开启双重验证。
""",
    ),
    Entry(
        title="如何自助重置域账号密码",
        service=None,
        category="access",
        owner="lisi",
        days=80,
        body="""域账号（开机、邮箱、VPN 共用）的密码每 90 天需要更换一次。

## 在公司电脑上

按 `Ctrl + Alt + Delete`，选择“更改密码”，输入旧密码和两次新密码。

## 忘记了密码

1. 打开自助密码页面 `https://password.example.com`。
2. 输入工号，用绑定的手机接收验证码。
3. 设置新密码：至少 10 位，包含大小写字母和数字，不能与最近 5 次相同。

修改后手机上的邮箱和 VPN 需要用新密码重新登录。
""",
        votes=(("zhouting", True, ""), ("wumin", True, "")),
    ),
    Entry(
        ticket="ERP采购模块保存订单报错",
        title="ERP 保存采购订单提示“数据库约束错误”",
        service="erp",
        category="software",
        owner="yangfan",
        visibility=Visibility.INTERNAL,
        days=40,
        body="""## 问题/现象

保存采购订单时报“数据库约束错误”，同一供应商的单据都无法提交。

## 原因

供应商主数据中有重复编码（多为导入时产生），外键约束校验失败。

## 处理方法（二线）

1. 在 ERP 后台“供应商主数据 → 重复检查”中找出重复编码。
2. 合并重复记录，保留有历史单据的一条。
3. 执行约束修复脚本 `fix_supplier_fk.sql`（需 DBA 审批）。
4. 通知用户重新保存订单。
""",
    ),
    Entry(
        title="报表导出的 PDF 中文显示为方块",
        service="reports",
        category="software",
        owner="lisi",
        days=200,  # written long ago: due for review
        body="""## 问题/现象

导出的 PDF 中中文显示成方块或乱码。

## 解决方法

这是报表服务器缺少中文字体导致的，需要 IT 处理，请提交请求。
临时办法：在报表页面按 `Ctrl + P`，选择“另存为 PDF”，由浏览器生成 PDF。
""",
        votes=(("sunyue", False, "“另存为 PDF”在新版本里找不到了。"),),
    ),
    Entry(
        title="财务部月结报表操作指引",
        service="reports",
        category="advice",
        owner="lisi",
        organisations=("finance",),
        days=45,
        body="""仅供财务部同事使用。

## 月结前

1. 每月最后一个工作日 15:00 前完成所有凭证录入。
2. 在报表系统“月结 → 检查”中确认没有未过账单据。

## 月结当天

1. 依次生成资产负债表、利润表和费用明细表。
2. 导出 Excel 后交部门经理审核。

月结当天遇到报表系统故障，请电话联系 8101（李四），同时提交请求。
""",
        votes=(("zhangsan", True, ""),),
    ),
    Entry(
        title="Outlook 日历不同步",
        service="mail",
        category="software",
        owner="wangfang",
        status="draft",
        days=6,
        body="""## 问题/现象

手机上能看到会议邀请，电脑上的 Outlook 日历不更新。

## 解决方法

1. 关闭 Outlook，打开“控制面板 → 邮件 → 显示配置文件”。
2. 新建配置文件并设为默认，重新打开 Outlook 等待同步。
""",
    ),
    Entry(
        title="电脑蓝屏并提示 DRIVER_IRQL_NOT_LESS_OR_EQUAL",
        service="pc",
        category="hardware",
        owner="liuyang",
        days=35,
        body="""## 问题/现象

电脑使用中突然蓝屏重启，蓝屏上有 `DRIVER_IRQL_NOT_LESS_OR_EQUAL`。

## 原因

多为网卡或显卡驱动与系统更新不兼容。

## 解决方法

1. 重启后打开“设备管理器”，在“网络适配器”中右键网卡 →“属性”→“驱动程序”→“回退驱动程序”。
2. 一周内再次蓝屏，请提交请求并注明电脑资产编号，我们会上门检查硬件。
""",
    ),
    Entry(
        title="钉钉审批提交后审批人看不到待办",
        service="dingtalk",
        category="software",
        owner="chenjing",
        days=25,
        body="""## 问题/现象

报销或请假审批提交后，审批人的钉钉里没有待办。

## 解决方法

1. 请审批人下拉刷新“工作台 → 审批 → 待我处理”。
2. 在审批详情里查看“当前节点”：如果显示“无审批人”，说明审批模板的规则有误，请提交请求，
   注明审批单号。
""",
    ),
    Entry(
        title="旧版 VPN 客户端安装说明",
        service="vpn",
        category="network",
        owner="wangfang",
        status="retired",
        days=90,
        body="旧版客户端已停止使用，请按《在家或出差时如何连接公司 VPN》安装新版客户端。\n",
    ),
    Entry(
        title="VPN: connecting from home or on a trip",
        language=Language.EN,
        service="vpn",
        category="network",
        owner="wangfang",
        days=65,
        body="""## Before you start

- Your VPN account is open (if not, request *VPN access* in the portal).
- The VPN client is installed from the software centre.

## Connecting

1. Open the VPN client and enter `vpn.example.com` as the server.
2. Sign in with your domain account, the one you use to log in to your computer.
3. Confirm the one-time code on your phone.

If the client says *server not responding*, check that web pages open; some hotel networks
block VPN, so try your phone's hotspot.
""",
    ),
    Entry(
        title="The printer shows “offline”",
        language=Language.EN,
        service="printer",
        category="hardware",
        owner="lisi",
        days=55,
        body="""1. Check that the printer is on, its cable plugged in, and it shows no paper jam.
2. In *Settings → Printers & scanners*, remove the printer and add it again.
3. Cancel the stuck jobs in the queue and print again.

If several computers see it offline at once, submit a request: its address has changed.
""",
    ),
    Entry(
        title="Forgotten e-mail password or locked account",
        language=Language.EN,
        service="mail",
        category="access",
        owner="liuyang",
        days=48,
        body="""- After too many wrong passwords the account is locked for 30 minutes, then unlocks.
- Forgotten password: submit a request with your staff number; IT checks who you are and
  sends a temporary password by SMS.
- Change it as soon as you are in, and turn on two-step verification.
""",
    ),
]

# Requests spared in the last weeks: (article title, requester, what they typed, days ago);
# None: the middle of last month, so the report's default period (last month) has one.
DEFLECTIONS = [
    ("报表系统无法登录或提示“登录超时”怎么办", "qianli", "报表系统登录超时", 4),
    ("打印机显示“脱机”，无法打印", "weidong", "车间打印机脱机了", 13),
    ("如何自助重置域账号密码", "fengxue", "电脑密码过期 登录不了", None),
]


def load(now: datetime) -> None:
    """Write the demo's articles as of `now`, with their use, and rebuild the search index."""
    people = {u.username: u for u in User.objects.all()}
    services = {s.code: s for s in Service.objects.all()}
    categories = {c.code: c for c in Category.objects.all()}
    organisations = {o.code: o for o in Organisation.objects.all()}
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    written = {}
    for entry in ENTRIES:
        article = _write(entry, now, people, services, categories, organisations)
        written[entry.title] = article
        if article.status == "published":
            _use(article, entry, now, people, rng)
    for title, username, typed, days in DEFLECTIONS:
        actions.record_deflection(
            article=written[title],
            user=people[username],
            subject=typed,
            at=_days_ago(now, days) if days is not None else _middle_of_last_month(now),
        )
    # Tickets resolved during the replay, and the articles, as a search finds them now.
    index.reindex("ticket")
    index.reindex("article")


def _write(
    entry: Entry,
    now: datetime,
    people: dict[str, User],
    services: dict[str, Service],
    categories: dict[str, Category],
    organisations: dict[str, Organisation],
) -> Article:
    owner = people[entry.owner]
    fields = {
        "title": entry.title,
        "body": entry.body,
        "language": entry.language,
        "visibility": entry.visibility,
        "organisations": [organisations[code] for code in entry.organisations],
        "service": services[entry.service] if entry.service else None,
        "category": categories[entry.category],
    }
    source = _source(entry)
    if source is not None:
        # As an agent does: the one who resolved it makes it an article with one click, then
        # edits it for its readers and hands it to its owner.
        author = _resolver(source, people)
        at = min(source.resolved_at + timedelta(hours=2), now - timedelta(minutes=30))
        article = actions.create_from_ticket(source, actor=author, at=at)
        article = actions.edit_article(
            article,
            actor=author,
            owner=owner,
            note="整理为知识文章",
            at=at + timedelta(minutes=10),
            **fields,
        )
        _solved_later(article, entry, people)
    else:
        at = _days_ago(now, entry.days)
        article = actions.create_article(actor=owner, owner=owner, at=at, **fields)
    if entry.status != "draft":
        article = actions.publish(article, actor=owner, at=at + timedelta(minutes=20))
    if entry.status == "retired":
        article = actions.retire(
            article, actor=owner, note="已被新版说明取代", at=at + timedelta(days=60)
        )
    return article


def _source(entry: Entry) -> Ticket | None:
    """The earliest resolved ticket of the entry's subject: the article is made from it."""
    if not entry.ticket:
        return None
    return (
        Ticket.objects.filter(subject=entry.ticket, status__in=(Status.RESOLVED, Status.CLOSED))
        .order_by("resolved_at", "pk")
        .first()
    )


def _solved_later(article: Article, entry: Entry, people: dict[str, User]) -> None:
    """The tickets of the same problem resolved after the article: solved with it."""
    later = Ticket.objects.filter(
        subject=entry.ticket,
        status__in=(Status.RESOLVED, Status.CLOSED),
        resolved_at__gt=article.created_at,
    ).order_by("resolved_at")
    for ticket in later:
        actions.link_solved_with(
            ticket, articles=[article], actor=_resolver(ticket, people), at=ticket.resolved_at
        )


def _resolver(ticket: Ticket, people: dict[str, User]) -> User:
    """The ticket's agent, who sees it; the service manager when it has none."""
    by_id = {u.pk: u for u in people.values()}
    return by_id.get(ticket.assignee_id) or people[MANAGER]


def _use(
    article: Article, entry: Entry, now: datetime, people: dict[str, User], rng: random.Random
) -> None:
    """Votes (with comments), and readings spread over the last six weeks."""
    readers = _readers(article, people)
    start = max(article.created_at, now - timedelta(days=42))
    for _ in range(rng.randint(3, 9)):
        at = start + (now - start) * rng.random()
        actions.record_view(article, user=rng.choice(readers), at=at)
    for i, (username, helpful, comment) in enumerate(entry.votes):
        at = start + (now - start) * (0.4 + 0.25 * i)
        actions.record_view(article, user=people[username], at=at - timedelta(minutes=5))
        actions.vote(article, user=people[username], helpful=helpful, comment=comment, at=at)


def _readers(article: Article, people: dict[str, User]) -> list[User]:
    """Who may read it: the agents, and the requesters it is for when it is public."""
    agents = [u for u in people.values() if u.role == Role.AGENT]
    if article.visibility != Visibility.PUBLIC:
        return agents
    scope = set(article.organisations.values_list("pk", flat=True))
    requesters = [
        u
        for u in people.values()
        if u.role == Role.REQUESTER and (not scope or u.organisation_id in scope)
    ]
    return requesters + agents[:2]


def _days_ago(now: datetime, days: int) -> datetime:
    """Ten in the morning, `days` days before `now` (never after it)."""
    day = timezone.localdate(now) - timedelta(days=days)
    return min(_at_ten(day, now), now - timedelta(minutes=30))


def _middle_of_last_month(now: datetime) -> datetime:
    first = timezone.localdate(now).replace(day=1)
    return _at_ten((first - timedelta(days=1)).replace(day=15), now)


def _at_ten(day: date, now: datetime) -> datetime:
    return datetime.combine(day, time(10), timezone.localtime(now).tzinfo)

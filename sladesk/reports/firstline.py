"""First-line figures: how much first line solves on its own, and what the knowledge base
contributes (seed 001: first line solves simple, common problems from the knowledge base).

- First-contact resolution: of the tickets resolved in the period, the share first line
  resolved without escalating them to second line.
- Escalation rate: of the same tickets, the share escalated to second line. Per team,
  a ticket counts for the first-line team that resolved it, or that escalated it.
- Knowledge use in the period: deflections (requests not filed because an article solved
  them), article views, tickets linked as "solved with" an article, helpful votes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from sladesk.desk.models import EventKind, Ticket, TicketEvent
from sladesk.kb.models import ArticleView, Deflection, Feedback, SolvedWith
from sladesk.people.models import Team

from .scope import Period, Scope

FIRST_CONTACT = "first_contact"
ESCALATED = "escalated"
KINDS = (FIRST_CONTACT, ESCALATED)


@dataclass
class TeamFigures:
    team: str
    first_contact: int = 0
    escalated: int = 0
    links: int = 0  # tickets its members linked as "solved with" an article
    views: int = 0  # articles its members read (one per person, article and day)
    helpful: int = 0  # helpful votes on articles its members own
    unhelpful: int = 0

    @property
    def handled(self) -> int:
        return self.first_contact + self.escalated

    @property
    def first_contact_rate(self) -> float | None:
        return self.first_contact / self.handled if self.handled else None

    @property
    def escalation_rate(self) -> float | None:
        return self.escalated / self.handled if self.handled else None


@dataclass
class ArticleUse:
    number: str
    title: str
    views: int = 0
    links: int = 0
    deflections: int = 0


@dataclass
class FirstLine:
    resolved: int = 0
    first_contact: int = 0
    escalated: int = 0
    deflections: int = 0
    views: int = 0
    links: int = 0
    helpful: int = 0
    unhelpful: int = 0
    teams: list[TeamFigures] = field(default_factory=list)
    articles: list[ArticleUse] = field(default_factory=list)  # the most used, first

    @property
    def first_contact_rate(self) -> float | None:
        return self.first_contact / self.resolved if self.resolved else None

    @property
    def escalation_rate(self) -> float | None:
        return self.escalated / self.resolved if self.resolved else None


class _Teams(dict[str, TeamFigures]):
    """Figures per team name, each row made when first counted."""

    def __call__(self, name: str | None) -> TeamFigures:
        name = name or "—"
        return self.setdefault(name, TeamFigures(name))


def resolved_in(scope: Scope, period: Period, kind: str = "") -> QuerySet[Ticket]:
    """Tickets of the scope resolved in the period (their latest resolution), optionally
    only those first line resolved alone (`first_contact`) or those escalated.

    For a team, `escalated` means escalated by that team: such tickets have left it.
    """
    resolved = Ticket.objects.filter(
        resolved_at__gte=period.start, resolved_at__lt=period.end, out_of_scope=False
    )
    if scope.kind == "team" and kind == ESCALATED:
        return resolved.filter(pk__in=_escalations(period).filter(data__from_team=scope.label))
    found = resolved.filter(scope.q())
    if kind == FIRST_CONTACT:
        return found.filter(escalation_level__lte=Team.Level.FIRST_LINE)
    if kind == ESCALATED:
        return found.filter(escalation_level__gt=Team.Level.FIRST_LINE)
    if kind:
        raise ValueError(kind)
    return found


def _escalations(period: Period) -> QuerySet[TicketEvent]:
    """Escalation events of the tickets resolved in the period, as ticket ids."""
    return TicketEvent.objects.filter(
        kind=EventKind.ESCALATED,
        ticket__resolved_at__gte=period.start,
        ticket__resolved_at__lt=period.end,
        ticket__out_of_scope=False,
    ).values("ticket_id")


def compute(scope: Scope, period: Period, top: int = 10) -> FirstLine:
    figures = FirstLine()
    teams = _Teams()
    _resolution(scope, period, figures, teams)
    _knowledge(scope, period, figures, teams)
    figures.teams = sorted(teams.values(), key=lambda t: (-t.handled, t.team))
    figures.articles = _articles(scope, period, top)
    return figures


def _resolution(scope: Scope, period: Period, figures: FirstLine, team: _Teams) -> None:
    first = resolved_in(scope, period, FIRST_CONTACT)
    figures.first_contact = first.count()
    figures.escalated = resolved_in(scope, period, ESCALATED).count()
    figures.resolved = (
        figures.first_contact + figures.escalated
        if scope.kind == "team"  # what the team resolved alone, and what it handed on
        else resolved_in(scope, period).count()
    )
    for row in first.values("team__name").annotate(n=Count("pk")):
        team(row["team__name"]).first_contact = row["n"]
    # Per team: the tickets it escalated (each team once per ticket, whatever the level).
    escalated = _escalations(period).filter(ticket__in=resolved_in(scope, period).values("pk"))
    if scope.kind == "team":
        escalated = _escalations(period).filter(data__from_team=scope.label)
    counted = escalated.values("data__from_team").annotate(n=Count("ticket_id", distinct=True))
    for row in counted:
        team(row["data__from_team"]).escalated = row["n"]


def _knowledge(scope: Scope, period: Period, figures: FirstLine, team: _Teams) -> None:
    deflections = _deflections(scope, period)
    figures.deflections = deflections.count()
    views = _views(scope, period)
    figures.views = views.count()
    links = SolvedWith.objects.filter(
        scope.q("ticket__"), linked_at__gte=period.start, linked_at__lt=period.end
    )
    figures.links = links.count()
    votes = _votes(scope, period)
    tally = votes.aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
    )
    figures.helpful, figures.unhelpful = tally["yes"], tally["no"]
    members = _members()
    for row in links.values("linked_by_id").annotate(n=Count("pk")):
        for name in members.get(row["linked_by_id"], ()):
            team(name).links += row["n"]
    for row in views.values("user_id").annotate(n=Count("pk")):
        for name in members.get(row["user_id"], ()):
            team(name).views += row["n"]
    for row in votes.values("article__owner_id", "helpful").annotate(n=Count("pk")):
        for name in members.get(row["article__owner_id"], ()):
            if row["helpful"]:
                team(name).helpful += row["n"]
            else:
                team(name).unhelpful += row["n"]


def _members() -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for user_id, name in Team.members.through.objects.values_list("user_id", "team__name"):
        out.setdefault(user_id, []).append(name)
    return out


def _article_scope(scope: Scope, prefix: str) -> Q:
    """Knowledge use that belongs to the scope: by the reader's organisation, the article's
    service, or (for a team) the article's owner being a member."""
    if scope.kind == "all":
        return Q()
    if scope.kind == "organisation":
        return Q(**{f"{prefix}organisation__code": scope.code})
    if scope.kind == "service":
        return Q(**{"article__service__code": scope.code})
    if scope.kind == "team":
        return Q(article__owner__memberships__team__code=scope.code)
    q = Q(**{f"{prefix}organisation__code": scope.customer})
    if scope.services:
        q &= Q(article__service__code__in=list(scope.services))
    return q


def _deflections(scope: Scope, period: Period) -> QuerySet[Deflection]:
    return Deflection.objects.filter(
        _article_scope(scope, ""), at__gte=period.start, at__lt=period.end
    )


def _views(scope: Scope, period: Period) -> QuerySet[ArticleView]:
    return ArticleView.objects.filter(
        _article_scope(scope, ""), day__gte=period.first, day__lte=period.last
    )


def _votes(scope: Scope, period: Period) -> QuerySet[Feedback]:
    return Feedback.objects.filter(
        _article_scope(scope, "user__"), at__gte=period.start, at__lt=period.end
    )


def _articles(scope: Scope, period: Period, top: int) -> list[ArticleUse]:
    use: dict[int, ArticleUse] = {}
    rows = {
        "views": _views(scope, period),
        "deflections": _deflections(scope, period),
        "links": SolvedWith.objects.filter(
            scope.q("ticket__"), linked_at__gte=period.start, linked_at__lt=period.end
        ),
    }
    for attribute, found in rows.items():
        counted = found.values("article_id", "article__number", "article__title").annotate(
            n=Count("pk")
        )
        for row in counted:
            item = use.setdefault(
                row["article_id"], ArticleUse(row["article__number"], row["article__title"])
            )
            setattr(item, attribute, row["n"])
    ranked = sorted(use.values(), key=lambda a: (-(a.links + a.deflections), -a.views, a.number))
    return ranked[:top]

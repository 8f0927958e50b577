"""The service report as an Excel workbook: the summary (the SLA template's 表3 row, the
compliance table, the score), every ticket of the period as the template's 表2 lists them,
and the breaches.

Cells hold real values — numbers, datetimes, durations — with number formats, so the
reader can sort, filter and sum. Datetimes are on the site's clock and naive: the format
cannot store a time zone. The workbook is written in openpyxl's write-only mode, row by
row, so a year of tickets does not sit in memory twice.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from sladesk.desk.models import Attachment, Ticket
from sladesk.sla.models import Clock, ClockState

from . import formatting
from .figures import Compliance, Figures, tickets_in

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

DATETIME = "yyyy-mm-dd hh:mm"
DURATION = "[h]:mm"  # hours past 24 keep counting: 74:30, not 3 days 2:30
PERCENT = "0.0%"
DECIMAL = "0.00"
DESCRIPTION_CHARS = 2000  # enough to read the problem; the ticket page has the rest

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F5F7F9")  # the site's --wash
MISSED_FILL = PatternFill("solid", fgColor="FBE3E1")  # the site's --danger-bg
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    number_format: str = ""
    wrap: bool = False


def ticket_columns() -> list[Column]:
    """The SLA template's ticket fields (表2) in its order, then what sladesk adds."""
    return [
        Column(_("Ticket number"), 18),
        Column(_("Submitted"), 17, DATETIME),
        Column(_("Requester's department"), 14),
        Column(_("Requester"), 12),
        Column(_("Contact"), 20),
        Column(_("Priority"), 8),
        Column(_("Description (incl. impact)"), 50, wrap=True),
        Column(_("Attachments"), 10),
        Column(_("Handled by"), 12),
        Column(_("Responded at"), 17, DATETIME),
        Column(_("Resolved at"), 17, DATETIME),
        Column(_("Satisfaction (1-5)"), 12),
        Column(pgettext("ticket", "Status"), 12),
        Column(_("Response time (business)"), 14, DURATION),
        Column(_("Resolution time (business)"), 14, DURATION),
    ]


def ticket_rows(figures: Figures) -> Iterator[list[Any]]:
    """One row of values per ticket of the period, oldest first, in one streamed query."""
    for t in _tickets(figures).iterator(chunk_size=1000):
        contact = t.requester.phone or t.requester.email
        yield [
            t.number,
            formatting.local(t.created_at),
            t.organisation.name,
            str(t.requester),
            contact,
            t.priority,
            _description(t),
            t.attachment_count,
            str(t.assignee) if t.assignee else "",
            formatting.local(t.first_response_at),
            formatting.local(t.resolved_at),
            t.rating,
            t.get_status_display(),
            _seconds(t.response_elapsed),
            _seconds(t.resolution_elapsed),
        ]


def _tickets(figures: Figures) -> QuerySet[Ticket]:
    # Subqueries rather than joins: one value per ticket without a GROUP BY over every
    # selected column, and no query per ticket.
    attachments = (
        Attachment.objects.filter(event__ticket=OuterRef("pk"))
        .order_by()
        .values("event__ticket")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        tickets_in(figures.scope, figures.period)
        .select_related("organisation", "requester", "assignee")
        .annotate(
            attachment_count=Coalesce(Subquery(attachments, output_field=IntegerField()), Value(0)),
            response_elapsed=_stopped_clock("response"),
            resolution_elapsed=_stopped_clock("resolution"),
        )
        .order_by("created_at", "pk")
    )


def _stopped_clock(metric: str) -> Subquery:
    """The business seconds of the ticket's clock, once stopped (a running one's stored
    figure is as of its last event, which would mislead)."""
    clocks = Clock.objects.filter(ticket=OuterRef("pk"), metric=metric, state=ClockState.STOPPED)
    return Subquery(clocks.values("elapsed")[:1])


def _description(t: Ticket) -> str:
    text = t.subject
    if t.description.strip():
        text += "\n" + t.description.strip()
    if len(text) > DESCRIPTION_CHARS:
        text = text[: DESCRIPTION_CHARS - 1] + "…"
    return text


def _seconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=round(value))


def render(figures: Figures, notes: str = "") -> bytes:
    """The workbook as bytes, headers in the active language."""
    book = Workbook(write_only=True)
    _summary_sheet(book.create_sheet(_("Summary")), figures, notes)
    _tickets_sheet(book.create_sheet(_("Tickets")), figures)
    _breaches_sheet(book.create_sheet(_("Breaches")), figures)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the summary --------------------------------------------------------------------------


def _summary_sheet(sheet: WriteOnlyWorksheet, f: Figures, notes: str) -> None:
    sheet.freeze_panes = "A3"  # the title and the summary's headers
    _widths(sheet, [16, 12] + [10] * len(f.by_priority) + [14, 14, 12, 12, 50, 14, 14])
    title = " · ".join(
        [
            _("Service report"),
            f.scope.label,
            f.period.label,
            _("SLA version %(versions)s") % {"versions": ", ".join(map(str, f.versions))},
            _("generated %(when)s") % {"when": formatting.when(f.generated_at)},
        ]
    )
    sheet.append([_cell(sheet, title, font=Font(bold=True, size=13))])
    headers, values = _summary_row(f, notes)
    sheet.append(_header_cells(sheet, headers))
    sheet.append([_cell(sheet, value, fmt, wrap=isinstance(value, str)) for value, fmt in values])
    sheet.append([])
    _compliance_table(sheet, f)
    sheet.append([])
    _times_table(sheet, f)
    sheet.append([])
    _score_table(sheet, f)


def _summary_row(f: Figures, notes: str) -> tuple[list[str], list[tuple[Any, str]]]:
    """The template's monthly summary (表3) column for column, then what sladesk adds."""
    whole = next((t for t in f.times if t.priority == "all"), None)
    overall = f.overall.get("all")
    headers = [_("Report period"), _("Total tickets")]
    values: list[tuple[Any, str]] = [(f.period.label, ""), (f.tickets, "")]
    for prio, count in f.by_priority.items():
        headers.append(_("%(priority)s tickets") % {"priority": prio})
        values.append((count, ""))
    headers += [
        _("Mean response time"),
        _("Mean resolution time"),
        _("Compliance"),
        _("Mean satisfaction"),
        _("Main issues and improvements"),
        _("Mean response time (wall clock)"),
        _("Mean resolution time (wall clock)"),
        _("Incidents"),
        _("Service requests"),
        _("Resolved"),
        _("Still open"),
        _("Service score"),
    ]
    values += [
        (_seconds(whole.response_business) if whole else None, DURATION),
        (_seconds(whole.resolution_business) if whole else None, DURATION),
        (overall.rate if overall else None, PERCENT),
        (f.satisfaction, DECIMAL),
        (notes.strip(), ""),
        (_seconds(whole.response_wall) if whole else None, DURATION),
        (_seconds(whole.resolution_wall) if whole else None, DURATION),
        (f.incidents, ""),
        (f.requests, ""),
        (f.resolved, ""),
        (f.still_open, ""),
        (f.score, ""),
    ]
    return headers, values


def _compliance_table(sheet: WriteOnlyWorksheet, f: Figures) -> None:
    sheet.append([_cell(sheet, _("Compliance against the goals"), font=BOLD)])
    headers = [
        _("Metric"),
        _("Priority"),
        _("Measured"),
        _("Met"),
        _("Breached"),
        _("Open"),
        _("Excluded"),
        _("Compliance"),
        _("Goal"),
        _("Goal met"),
    ]
    sheet.append(_header_cells(sheet, headers))
    for row in [*f.compliance, *f.overall.values()]:
        sheet.append(_compliance_cells(sheet, row))


def _compliance_cells(sheet: WriteOnlyWorksheet, row: Compliance) -> list[WriteOnlyCell]:
    fill = MISSED_FILL if row.meets_goal is False else None
    font = BOLD if row.priority == "all" else None
    verdict = "" if row.meets_goal is None else (_("met") if row.meets_goal else _("missed"))
    metric = _("All metrics") if row.metric == "all" else formatting.metric(row.metric)
    values: list[tuple[Any, str]] = [
        (metric, ""),
        (formatting.priority(row.priority), ""),
        (row.measured, ""),
        (row.met, ""),
        (row.breached, ""),
        (row.open, ""),
        (row.excluded, ""),
        (row.rate, PERCENT),
        (row.goal, PERCENT),
        (verdict, ""),
    ]
    return [_cell(sheet, value, fmt, font=font, fill=fill) for value, fmt in values]


def _times_table(sheet: WriteOnlyWorksheet, f: Figures) -> None:
    sheet.append([_cell(sheet, _("Mean times per priority"), font=BOLD)])
    headers = [
        _("Priority"),
        _("Tickets"),
        _("Mean response time"),
        _("Mean response time (wall clock)"),
        _("Mean resolution time"),
        _("Mean resolution time (wall clock)"),
    ]
    sheet.append(_header_cells(sheet, headers))
    for t in f.times:
        sheet.append(
            [
                _cell(sheet, formatting.priority(t.priority)),
                _cell(sheet, t.tickets),
                *(
                    _cell(sheet, _seconds(value), DURATION)
                    for value in (
                        t.response_business,
                        t.response_wall,
                        t.resolution_business,
                        t.resolution_wall,
                    )
                ),
            ]
        )


def _score_table(sheet: WriteOnlyWorksheet, f: Figures) -> None:
    sheet.append([_cell(sheet, _("Service score"), font=BOLD), _cell(sheet, f.score)])
    sheet.append(_header_cells(sheet, [_("Deduction"), _("Points")]))
    for text, points in f.deductions:
        sheet.append([_cell(sheet, text), _cell(sheet, -points)])


# -- tickets and breaches -----------------------------------------------------------------


def _tickets_sheet(sheet: WriteOnlyWorksheet, f: Figures) -> None:
    columns = ticket_columns()
    sheet.freeze_panes = "B2"  # the headers, and the ticket number while scrolling right
    _widths(sheet, [c.width for c in columns])
    sheet.append(_header_cells(sheet, [c.header for c in columns]))
    for values in ticket_rows(f):
        sheet.append(
            [
                _cell(sheet, value, column.number_format, wrap=column.wrap)
                for value, column in zip(values, columns, strict=True)
            ]
        )


def _breaches_sheet(sheet: WriteOnlyWorksheet, f: Figures) -> None:
    columns = [
        Column(_("Ticket number"), 18),
        Column(_("Subject"), 40, wrap=True),
        Column(_("Priority"), 8),
        Column(_("Metric"), 10),
        Column(_("Target"), 10, DURATION),
        Column(_("Elapsed"), 10, DURATION),
        Column(_("Breached at"), 17, DATETIME),
        Column(_("Cause"), 60, wrap=True),
    ]
    sheet.freeze_panes = "B2"
    _widths(sheet, [c.width for c in columns])
    sheet.append(_header_cells(sheet, [c.header for c in columns]))
    for b in f.breaches:
        values = [
            b.number,
            b.subject,
            b.priority,
            formatting.metric(b.metric),
            _seconds(b.target),
            _seconds(b.elapsed),
            formatting.local(b.breached_at),
            b.cause,
        ]
        sheet.append(
            [
                _cell(sheet, value, column.number_format, wrap=column.wrap)
                for value, column in zip(values, columns, strict=True)
            ]
        )
    if f.breach_count > len(f.breaches):
        note = _("The first %(shown)d of %(total)d breaches.") % {
            "shown": len(f.breaches),
            "total": f.breach_count,
        }
        sheet.append([_cell(sheet, note, font=Font(italic=True))])


# -- cells ----------------------------------------------------------------------------------


def _widths(sheet: WriteOnlyWorksheet, widths: Sequence[int]) -> None:
    """Column widths in characters; a write-only sheet takes them before its first row."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _header_cells(sheet: WriteOnlyWorksheet, headers: Sequence[str]) -> list[WriteOnlyCell]:
    return [_cell(sheet, text, font=BOLD, fill=HEADER_FILL, wrap=True) for text in headers]


def _cell(
    sheet: WriteOnlyWorksheet,
    value: Any,
    number_format: str = "",
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    wrap: bool = False,
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if number_format and value is not None:
        cell.number_format = number_format
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if wrap:
        cell.alignment = WRAP
    return cell

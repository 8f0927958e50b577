"""The report's outputs from the October tickets of test_figures: the PDF a manager sends,
the workbook, the CSV and the charts, each read back as its reader would."""

from __future__ import annotations

import csv
import ctypes
import io
from datetime import date, datetime, timedelta
from xml.etree import ElementTree as ET

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from django.utils import translation
from openpyxl import load_workbook

from sladesk.desk.models import Attachment, Ticket
from sladesk.reports import charts, csvfile, formatting, pdf, xlsx
from sladesk.reports.figures import Figures, compute
from sladesk.reports.scope import month, scope_of
from tests.desk.conftest import Desk
from tests.reports import test_figures
from tests.reports.test_figures import NOW

# The October tickets and their figures, worked out by hand in test_figures; pytest finds
# fixtures by their names in this module.
october = test_figures.october
report = test_figures.report

NOTES = "P1级工单中2次因备件延迟,已增设备件库存"
T1, T2, T4 = "INC-2026-000002", "INC-2026-000003", "INC-2026-000005"
OCTOBER = [  # number, priority, rating, in order of creation
    (T1, "P1", 5),
    (T2, "P1", 3),
    ("INC-2026-000004", "P3", 4),
    (T4, "P4", None),
    ("INC-2026-000006", "P2", 5),
]


def pages(document: bytes) -> pypdfium2.PdfDocument:
    return pypdfium2.PdfDocument(document)


def ink(page: pypdfium2.PdfPage) -> float:
    """The share of the page's pixels that are not white."""
    pixels = page.render(scale=0.5, grayscale=True).to_numpy()
    return float((pixels < 245).mean())


def text_of(page: pypdfium2.PdfPage) -> str:
    return page.get_textpage().get_text_range()


def fonts(page: pypdfium2.PdfPage) -> set[tuple[str, bool]]:
    """The base name of each font the page's text is drawn with, and whether it is embedded."""
    out = set()
    for text in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
        font = pdfium_c.FPDFTextObj_GetFont(text.raw)
        size = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
        name = ctypes.create_string_buffer(size)
        pdfium_c.FPDFFont_GetBaseFontName(font, name, size)
        out.add((name.value.decode(), bool(pdfium_c.FPDFFont_GetIsEmbedded(font))))
    return out


# -- formatting -------------------------------------------------------------------------------


def test_durations_read_like_the_monthly_report_template() -> None:
    with translation.override("en"):
        assert formatting.duration(45 * 60) == "45 min"
        assert formatting.duration(6.5 * 3600) == "6.5 h"
        assert formatting.duration(72 * 3600) == "72 h"  # hours, never days: 72h is a target
        assert formatting.duration(59 * 60 + 50) == "1 h"
        assert formatting.duration(None) == "—"


def test_percentages_and_scores_round_half_up_without_useless_decimals() -> None:
    assert formatting.percent(0.93) == "93%"
    assert formatting.percent(6 / 9) == "66.7%"
    assert formatting.percent(None) == "—"
    assert formatting.score(74.0) == "74"
    assert formatting.score(4.25) == "4.3"
    with translation.override("en"):
        assert formatting.satisfaction(4.25) == "4.3 / 5"


# -- PDF ----------------------------------------------------------------------------------------


def test_the_pdf_has_a_cover_and_pages_with_ink_on_them(report: Figures) -> None:
    with translation.override("en"):
        document = pages(pdf.render(report, notes=NOTES))
    assert len(document) >= 4
    cover, summary = document[0], document[1]
    assert "Service report" in text_of(cover)
    assert "2026-10" in text_of(cover)
    assert ink(cover) > 0.01
    assert ink(summary) > 0.04  # tables, not a blank page


def test_the_pdf_draws_chinese_with_the_embedded_cjk_font(report: Figures) -> None:
    with translation.override("zh-hans"):
        data = pdf.render(report, notes=NOTES)
    document = pages(data)
    # WeasyPrint embeds a subset of each font it uses, named like ABCDEF+Noto-Sans-CJK-SC
    used = fonts(document[1])
    assert used and all(embedded for _name, embedded in used)
    assert {name.split("+")[-1] for name, _embedded in used} <= {
        "Noto-Sans-CJK-SC",
        "Noto-Sans-CJK-SC-Bold",
    }
    text = "".join(text_of(page) for page in document)
    assert "软件" in text  # the category, written in Chinese glyphs rather than boxes
    assert NOTES in text


def test_the_pdf_lists_the_breaches_and_highlights_missed_goals(report: Figures) -> None:
    with translation.override("en"):
        context = pdf.context(report, notes=NOTES)
        text = "".join(text_of(page) for page in pages(pdf.render(report, notes=NOTES)))
    assert [b["number"] for b in context["breaches"]] == [T2, T2, T4]
    missed = [(r["metric"], r["priority"]) for r in context["compliance"] if r["missed"]]
    assert missed == [("Response", "P1"), ("Response", "P4"), ("Resolution", "P1")]
    assert T4 in text and report.breaches[-1].cause in text  # (in the language of compute)
    assert "1 clock met its target only because" in context["excluded"]


# -- XLSX ---------------------------------------------------------------------------------------


def workbook(report: Figures) -> object:
    with translation.override("en"):
        return load_workbook(io.BytesIO(xlsx.render(report, notes=NOTES)))


def test_the_workbook_lists_the_periods_tickets_as_the_template_does(report: Figures) -> None:
    t1 = Ticket.objects.get(number=T1)
    Attachment.objects.create(
        event=t1.events.first(), file="x/error.png", name="error.png", size=1, sha256="0" * 64
    )
    book = workbook(report)
    assert book.sheetnames == ["Summary", "Tickets", "Breaches"]
    rows = list(book["Tickets"].iter_rows(values_only=True))
    header, tickets = rows[0], rows[1:]
    assert header[:12] == (
        "Ticket number",
        "Submitted",
        "Requester's department",
        "Requester",
        "Contact",
        "Priority",
        "Description (incl. impact)",
        "Attachments",
        "Handled by",
        "Responded at",
        "Resolved at",
        "Satisfaction (1-5)",
    )
    assert [(t[0], t[5], t[11]) for t in tickets] == OCTOBER
    assert {t[2] for t in tickets} == {"财务部"}
    first = dict(zip(header, tickets[0], strict=True))
    # naive, on the site's clock: the format stores no time zone
    assert first["Submitted"] == datetime(2026, 10, 19, 9, 0)  # noqa: DTZ001
    assert first["Responded at"] == datetime(2026, 10, 19, 9, 10)  # noqa: DTZ001
    assert first["Resolved at"] == datetime(2026, 10, 19, 12, 30)  # noqa: DTZ001
    assert first["Attachments"] == 1
    assert first["Handled by"] == "Bob"
    assert first["Response time (business)"] == timedelta(minutes=10)
    assert book["Tickets"].freeze_panes == "B2"


def test_the_ticket_rows_take_one_query(report: Figures, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        assert len(list(xlsx.ticket_rows(report))) == 5


def test_the_workbook_summary_holds_the_reports_figures(report: Figures) -> None:
    sheet = workbook(report)["Summary"]
    rows = list(sheet.iter_rows(values_only=True))
    summary = dict(zip(rows[1], rows[2], strict=False))
    assert summary["Report period"] == "2026-10"
    assert summary["Total tickets"] == 5
    assert [summary[f"P{n} tickets"] for n in range(1, 5)] == [2, 1, 1, 1]
    assert summary["Mean response time"].total_seconds() == pytest.approx(1650)
    assert summary["Mean resolution time"].total_seconds() == pytest.approx(22950)
    assert summary["Mean resolution time (wall clock)"].total_seconds() == pytest.approx(81450)
    assert summary["Compliance"] == pytest.approx(6 / 9)
    assert summary["Mean satisfaction"] == 4.25
    assert summary["Main issues and improvements"] == NOTES
    assert summary["Service score"] == 74
    assert sheet["I3"].number_format == "0.0%" or any(
        cell.number_format == "0.0%" for cell in sheet[3]
    )
    compliance = {(r[0], r[1]): r for r in rows if r and r[0] in ("Response", "Resolution")}
    assert compliance["Response", "P1"][2:10] == (2, 1, 1, 0, 0, 0.5, 0.98, "missed")
    assert compliance["Resolution", "P3"][6] == 1  # excluded: saved by the requester's delay


def test_the_workbook_lists_the_breaches(report: Figures) -> None:
    rows = list(workbook(report)["Breaches"].iter_rows(values_only=True))
    assert [(r[0], r[3]) for r in rows[1:]] == [
        (T2, "Resolution"),
        (T2, "Response"),
        (T4, "Response"),
    ]
    assert rows[3][4] == timedelta(hours=4)  # T4's response target
    assert rows[3][5] == timedelta(hours=64)


# -- CSV ----------------------------------------------------------------------------------------


def test_the_csv_starts_with_a_bom_for_excel_and_has_a_row_per_ticket(report: Figures) -> None:
    with translation.override("en"):
        text = csvfile.render_tickets(report)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][0] == "Ticket number"
    assert len(rows) == 6
    first = rows[1]
    assert (first[0], first[1], first[2], first[5]) == (T1, "2026-10-19 09:00", "财务部", "P1")
    assert first[-2] == "0:10"  # response business time, as Excel reads a duration


# -- charts ---------------------------------------------------------------------------------------


def svg(text: str) -> ET.Element:
    assert "<script" not in text
    root = ET.fromstring(text)  # noqa: S314 - our own SVG, not untrusted input
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def test_charts_are_svg_with_their_labels(report: Figures) -> None:
    with translation.override("en"):
        drawn = {
            "volumes": charts.volumes(report),
            "compliance": charts.compliance(report),
            "trend": charts.trend(report),
            "ratings": charts.ratings(report),
        }
    for text in drawn.values():
        svg(text)
        assert '"Noto Sans CJK SC"' in text
    assert "Tickets per priority" in drawn["volumes"] and ">P4<" in drawn["volumes"]
    assert "Response" in drawn["compliance"] and "Goal" in drawn["compliance"]
    assert "2026-05" in drawn["trend"] and "2026-10" in drawn["trend"]
    assert "Satisfaction ratings" in drawn["ratings"]


def test_the_compliance_chart_marks_the_goal_of_every_bar(report: Figures) -> None:
    root = svg(charts.compliance(report))
    marks = [e for e in root.iter() if e.get("class") == "goal"]
    # response P1-P4 and resolution P1-P3; resolution P4 measured nothing, so has no bar
    assert len(marks) == 7


def test_chart_labels_follow_the_language(report: Figures) -> None:
    with translation.override("zh-hans"):
        text = charts.compliance(report)
    assert "响应" in text


def test_a_scope_without_tickets_still_gives_every_output(october: Desk) -> None:
    empty = compute(scope_of("organisation", "operations"), month(date(2026, 10, 1)), NOW)
    with translation.override("en"):
        assert pdf.render(empty).startswith(b"%PDF")
        sheet = load_workbook(io.BytesIO(xlsx.render(empty)))["Tickets"]
        assert sheet.max_row == 1  # the headers alone
        assert csvfile.render_tickets(empty).count("\r\n") == 1
        for draw in (charts.volumes, charts.compliance, charts.trend, charts.ratings):
            svg(draw(empty))

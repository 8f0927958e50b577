"""The period's tickets as CSV: the rows of the XLSX's ticket sheet, for tools that read
nothing else."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from . import xlsx
from .figures import Figures

# Excel in China opens a CSV without a byte order mark as GBK and shows UTF-8 Chinese as
# mojibake; with the BOM it reads UTF-8. Other tools skip the BOM (Python: utf-8-sig).
BOM = "\ufeff"


def render_tickets(figures: Figures) -> str:
    """The CSV text, BOM first, one header line and one line per ticket of the period."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, as Excel writes it
    writer.writerow([column.header for column in xlsx.ticket_columns()])
    for values in xlsx.ticket_rows(figures):
        writer.writerow([_text(value) for value in values])
    return out.getvalue()


def _text(value: object) -> str:
    """Datetimes as `2026-10-19 10:20` and durations as `74:30`, which Excel reads back as
    a datetime and a duration; empty for nothing."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, timedelta):
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    return str(value)

"""The SLA engine: calendars, business time and SLA clocks, in pure Python (no Django)."""

"""sladesk: an SLA-driven IT service desk.

Nothing is imported here: `sladesk sla compute` imports this package on every run.
"""

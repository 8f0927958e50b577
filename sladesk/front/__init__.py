"""The public pages of sladesk."""

"""The weekly summary: its content model, gathering from the report, its chart and schedule."""

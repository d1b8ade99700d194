"""The weekly summary: its content model (pure), the service that gathers and schedules it."""

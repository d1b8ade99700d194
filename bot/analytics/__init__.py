"""Pure metrics and statistics for Hearth's reports (no discord import, no I/O)."""

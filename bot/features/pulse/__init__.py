"""Pulse surveys: "How likely are you to recommend this server to a friend?" 0-10, and the NPS."""

"""Engagement rules: questions, polls, contests, games and experiments (no discord import)."""

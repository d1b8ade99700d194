"""Engagement rules: questions, polls, contests, games, experiments (no discord import)."""

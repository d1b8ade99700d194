"""Giveaways: entry rules, the auditable draw, results and rerolls."""

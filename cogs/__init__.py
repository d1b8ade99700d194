"""Cogs: one thin adapter per feature. Every module here is loaded by bot.app.Hearth."""

"""Hearth: a Discord bot that makes a community livelier and measures what works."""

__version__ = "0.1.0"

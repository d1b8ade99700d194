"""Data files shipped with the engagement package."""

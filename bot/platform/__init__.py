"""Shared services a feature plugs into: the recorder, the scheduler, posts, privacy and retention."""

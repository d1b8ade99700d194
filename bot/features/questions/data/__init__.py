"""The shipped starter question bank."""

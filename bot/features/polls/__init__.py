"""Polls: native and anonymous, closing, results and their chart."""

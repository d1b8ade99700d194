"""The daily number game."""

"""Trivia: the question bank, scoring, rounds as sessions, leaderboards and seasons."""

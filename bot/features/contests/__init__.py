"""Submission contests: phases, entries, voting and ties."""

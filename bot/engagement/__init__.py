"""Pure engagement rules: draws, experiments, streaks, trivia scoring (no discord import, no I/O)."""

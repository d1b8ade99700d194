"""Question of the day: the bank, schedules, suggestions and the one posting path."""

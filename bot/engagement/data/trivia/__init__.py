"""The shipped trivia bank: one TOML file per category (format in docs/trivia-bank.md)."""

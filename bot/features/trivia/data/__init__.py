"""The shipped trivia bank, one TOML file per category."""

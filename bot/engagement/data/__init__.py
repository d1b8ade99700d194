"""Package data shipped with Hearth's engagement features (the starter question bank)."""

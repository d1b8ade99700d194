"""A/B tests on scheduled posts: arms, figures, verdicts, applying the winner."""

"""Welcome: one Hearth post of kind ``welcome`` per newcomer (batched in join waves), linking the
question of the day, and A/B tests of two welcome texts on new-member activation."""

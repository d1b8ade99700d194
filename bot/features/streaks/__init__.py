"""Response streaks per member (the figure itself is computed in ``bot.analytics.streaks``)."""

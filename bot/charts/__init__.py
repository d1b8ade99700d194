"""Charts as PNG bytes (matplotlib, Agg backend): poll results, reports and weekly summaries."""

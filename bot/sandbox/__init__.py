"""The sandbox: a local Discord and a simulated community to run Hearth against."""

"""The local Discord fixtures (local_discord, community, start_bot) for these tests."""

from bot.sandbox.localdiscord.pytest_plugin import community, conformance, local_discord, start_bot

__all__ = ["community", "conformance", "local_discord", "start_bot"]

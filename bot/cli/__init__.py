"""The ``hearth`` command and its subcommands; at the top with ``bot.app``: nothing but ``bot.__main__`` imports it."""

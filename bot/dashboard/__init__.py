"""The web dashboard: Hearth's figures behind Discord login (docs/dashboard.md).

``config`` reads the settings and secrets, ``oauth`` talks to Discord's OAuth2, ``rights`` decides
on every request whether the user moderates the guild (the bot's live cache or REST with a short
cache), ``backend`` is what the pages read and write (the report through
``bot.analytics.export.report_json``, schedules, tests), ``pages`` and ``api`` answer, ``app``
assembles the aiohttp application with its security headers, session and CSRF checks.
"""

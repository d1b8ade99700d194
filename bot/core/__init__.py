"""The ground floor every layer uses: settings, clock, local time, the command tree and its errors,
checks, views, logging, endpoints, Discord helpers, durations. Imports nothing of Hearth but itself."""

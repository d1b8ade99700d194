"""Word of mouth: which invite a member joined through (exact, vanity or unknown), Hearth-made
personal invites, and what invitees did (rules.py pure, service.py the cache and bookkeeping)."""

"""Shares beyond a forward: publishing (crossposting) Hearth posts that land in announcement channels."""

"""Errors every layer may raise: the ground floor, so no layer imports upward to name them."""


class PostFailed(Exception):
    """A scheduled post could not go out; ``str()`` is the reason moderators see."""

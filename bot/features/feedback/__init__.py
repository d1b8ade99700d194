"""Feedback box: members tell moderators things (named or anonymous), moderators answer with a status."""

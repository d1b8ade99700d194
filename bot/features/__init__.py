"""One package per feature, named the way moderators name it: pure rules (no discord import),
its service, its data files and charts."""

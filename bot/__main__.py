"""``python -m bot`` is the ``hearth`` command."""

import sys

from bot.cli import main

sys.exit(main())

"""``python -m bot`` is the ``hearth`` command."""

import sys

from bot.cli.main import main

sys.exit(main())

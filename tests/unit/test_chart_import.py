"""Starting Hearth must not load matplotlib or numpy (about 55 MiB and 0.6 s); the first chart does."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_bot_and_every_cog_leaves_matplotlib_and_numpy_unloaded_until_a_chart_is_drawn() -> None:
    code = (
        "import importlib, sys, bot.app, bot.charts.style as style\n"
        "for name in bot.app.cog_modules(): importlib.import_module(name)\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib loaded at import'\n"
        "assert 'numpy' not in sys.modules, 'numpy loaded at import'\n"
        "fig, ax = style.new_figure()\n"
        "ax.plot([1, 2], [3, 4])\n"
        "assert style.to_png(fig).startswith(bytes([137]) + b'PNG')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr

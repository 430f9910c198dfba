"""``Library``: what the bot and the command line ask of the articles.

Other packages import these names from here, never from the modules.
"""

from .library import Library, Settings

__all__ = [
    "Library",
    "Settings",
]

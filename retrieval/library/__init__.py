"""``Library``: what the bot and the command line ask of the articles.

Other packages import these names from here, never from the modules.
"""

from .collector import tune_collector
from .library import Library, LibrarySettings

__all__ = [
    "Library",
    "LibrarySettings",
    "tune_collector",
]

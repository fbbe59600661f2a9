"""``python -m hybrid``: the same command line as ``hybrid``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

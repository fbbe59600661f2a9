#!/usr/bin/env python
"""Rebuild every family's catalog into catalog/ (deterministic: byte-identical on rerun).

    python build_catalog.py [--data ../shared/data/dev.csv] [--family NAME ...] [--out DIR]
"""

import sys

from hybrid.cli import main

if __name__ == "__main__":
    sys.exit(main(["build-catalog", *sys.argv[1:]]))

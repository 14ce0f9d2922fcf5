"""``python -m gdlogreg``: compare with LogisticRegression, or search a learning rate.

Run ``python -m gdlogreg --help`` for the commands and their options.
"""

import sys

from ._cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())

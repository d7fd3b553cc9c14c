"""`python -m parevm` is the `parevm` command."""

import sys

from .cli import main

sys.exit(main())

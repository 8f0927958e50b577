"""`python -m sladesk.engine sla compute …`: the engine's CLI without the `sladesk` script."""

import sys

from .cli import main

sys.exit(main())

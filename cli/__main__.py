"""``python -m cli ...``: the same as the ``investsim`` command."""

import sys

from cli.main import main

sys.exit(main())

"""``python -m rlkit.cli`` is the ``rlkit`` command."""

import sys

from rlkit.cli.main import main

sys.exit(main())

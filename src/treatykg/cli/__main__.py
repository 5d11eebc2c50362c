"""``python -m treatykg.cli``: the same as the ``treatykg`` command."""

import sys

from treatykg.cli import main

sys.exit(main())

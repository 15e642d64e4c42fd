"""``python -m msf_scaffold``."""

import sys

from msf_scaffold.cli import main

sys.exit(main())

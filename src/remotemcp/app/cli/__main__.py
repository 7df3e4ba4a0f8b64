"""`python -m remotemcp.app.cli`: the same as the `remotemcp` command."""

import sys

from remotemcp.app.cli import main

sys.exit(main())

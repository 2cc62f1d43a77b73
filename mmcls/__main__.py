"""``python -m mmcls COMMAND ...``: the ``mmcls`` command."""
import sys

from mmcls.cli import main

sys.exit(main())

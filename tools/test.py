"""``python tools/test.py ...``: the same as ``mmcls test ...`` (see ``mmcls.tools.test``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['test', *sys.argv[1:]]))

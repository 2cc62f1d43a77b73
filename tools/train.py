"""``python tools/train.py ...``: the same as ``mmcls train ...`` (see ``mmcls.tools.train``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['train', *sys.argv[1:]]))

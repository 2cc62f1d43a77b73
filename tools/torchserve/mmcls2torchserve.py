"""``python tools/torchserve/mmcls2torchserve.py ...``: the same as ``mmcls mmcls2torchserve ...`` (see ``mmcls.tools.mmcls2torchserve``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['mmcls2torchserve', *sys.argv[1:]]))

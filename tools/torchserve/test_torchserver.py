"""``python tools/torchserve/test_torchserver.py ...``: the same as ``mmcls test-torchserver ...`` (see ``mmcls.tools.test_torchserver``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['test-torchserver', *sys.argv[1:]]))

"""``python tools/misc/verify_dataset.py ...``: the same as ``mmcls verify-dataset ...`` (see ``mmcls.tools.verify_dataset``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['verify-dataset', *sys.argv[1:]]))

"""``python tools/kfold-cross-valid.py ...``: the same as ``mmcls kfold-cross-valid ...`` (see ``mmcls.tools.kfold_cross_valid``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['kfold-cross-valid', *sys.argv[1:]]))

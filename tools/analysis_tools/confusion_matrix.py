"""``python tools/analysis_tools/confusion_matrix.py ...``: the same as ``mmcls confusion-matrix ...`` (see ``mmcls.tools.confusion_matrix``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['confusion-matrix', *sys.argv[1:]]))

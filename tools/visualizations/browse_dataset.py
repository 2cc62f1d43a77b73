"""``python tools/visualizations/browse_dataset.py ...``: the same as ``mmcls browse-dataset ...`` (see ``mmcls.tools.browse_dataset``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['browse-dataset', *sys.argv[1:]]))

"""``python tools/visualizations/vis_scheduler.py ...``: the same as ``mmcls vis-scheduler ...`` (see ``mmcls.tools.vis_scheduler``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['vis-scheduler', *sys.argv[1:]]))

"""``python tools/visualizations/vis_cam.py ...``: the same as ``mmcls vis-cam ...`` (see ``mmcls.tools.vis_cam``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['vis-cam', *sys.argv[1:]]))

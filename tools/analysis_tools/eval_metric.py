"""``python tools/analysis_tools/eval_metric.py ...``: the same as ``mmcls eval-metric ...`` (see ``mmcls.tools.eval_metric``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['eval-metric', *sys.argv[1:]]))

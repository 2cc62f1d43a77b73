"""``python tools/analysis_tools/analyze_logs.py ...``: the same as ``mmcls analyze-logs ...`` (see ``mmcls.tools.analyze_logs``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['analyze-logs', *sys.argv[1:]]))

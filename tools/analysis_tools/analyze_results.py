"""``python tools/analysis_tools/analyze_results.py ...``: the same as ``mmcls analyze-results ...`` (see ``mmcls.tools.analyze_results``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['analyze-results', *sys.argv[1:]]))

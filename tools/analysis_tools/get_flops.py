"""``python tools/analysis_tools/get_flops.py ...``: the same as ``mmcls get-flops ...`` (see ``mmcls.tools.get_flops``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['get-flops', *sys.argv[1:]]))

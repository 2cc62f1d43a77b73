"""``python tools/misc/print_config.py ...``: the same as ``mmcls print-config ...`` (see ``mmcls.tools.print_config``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['print-config', *sys.argv[1:]]))

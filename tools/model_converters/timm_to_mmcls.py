"""``python tools/model_converters/timm_to_mmcls.py ...``: the same as ``mmcls timm-to-mmcls ...`` (see ``mmcls.tools.timm_to_mmcls``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['timm-to-mmcls', *sys.argv[1:]]))

"""``python tools/model_converters/torchvision_to_mmcls.py ...``: the same as ``mmcls torchvision-to-mmcls ...`` (see ``mmcls.tools.torchvision_to_mmcls``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['torchvision-to-mmcls', *sys.argv[1:]]))

"""``python tools/model_converters/publish_model.py ...``: the same as ``mmcls publish-model ...`` (see ``mmcls.tools.publish_model``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['publish-model', *sys.argv[1:]]))

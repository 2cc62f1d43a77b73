"""``python tools/model_converters/reparameterize_model.py ...``: the same as ``mmcls reparameterize-model ...`` (see ``mmcls.tools.reparameterize_model``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['reparameterize-model', *sys.argv[1:]]))

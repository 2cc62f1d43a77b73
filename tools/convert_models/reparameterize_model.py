"""The documentation's spelling of ``tools/model_converters/reparameterize_model.py`` (same CLI)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['reparameterize-model', *sys.argv[1:]]))

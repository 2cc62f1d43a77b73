"""``python tools/model_converters/to_safetensors.py ...``: the same as ``mmcls to-safetensors ...`` (see ``mmcls.tools.to_safetensors``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['to-safetensors', *sys.argv[1:]]))

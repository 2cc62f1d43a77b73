"""``python tools/deployment/pytorch2onnx.py ...``: the same as ``mmcls pytorch2onnx ...`` (see ``mmcls.tools.pytorch2onnx``)."""
import sys

from mmcls.cli import main

if __name__ == '__main__':
    sys.exit(main(['pytorch2onnx', *sys.argv[1:]]))

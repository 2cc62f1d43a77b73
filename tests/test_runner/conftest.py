"""Make the toy helpers of this folder importable (pytest runs with --import-mode=importlib)."""
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

"""Make the runner toy helpers importable (pytest runs with --import-mode=importlib)."""
import os.path as osp
import sys

TOYS = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'test_runner')
if TOYS not in sys.path:
    sys.path.insert(0, TOYS)

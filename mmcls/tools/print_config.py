"""Print the full, merged config of a config file.

    python tools/misc/print_config.py CONFIG [--cfg-options KEY=VALUE ...]

The output is Python source; the header lines are comments, so
``python tools/misc/print_config.py CONFIG > final_config.py`` writes a
stand-alone config.  Loading configs never imports torch.
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from mmcls.config import Config, DictAction

__all__ = ['parse_args', 'render', 'main']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Print the full config of a config file')
    parser.add_argument('config', help='path of the config file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, as KEY=VALUE pairs (dotted keys, list indices such as '
        'pipeline.1.prob=0, values like 1, 0.1, true, none, "[a,b]", "(1,3)", a,b)')
    return parser.parse_args(argv)


def render(cfg: Config) -> str:
    """The printed text: which files were read, then the config as Python."""
    header = [f'# Config: {cfg.filename}']
    header += [f'# Imported: {path}' for path in cfg.source_files if path != cfg.filename]
    return '\n'.join(header) + '\n' + cfg.pretty_text


def _load(args: argparse.Namespace) -> Config:
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    try:
        cfg = _load(args)
    except (FileNotFoundError, KeyError, ValueError, TypeError, IndexError) as err:
        # Config errors name the file/key at fault; a traceback adds nothing.
        lines = [str(err.args[0]) if err.args else repr(err), *getattr(err, '__notes__', [])]
        sys.exit('error: ' + '\n'.join(lines))
    print(render(cfg), end='')

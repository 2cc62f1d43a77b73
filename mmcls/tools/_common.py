"""Command-line plumbing shared by the tools: loading a config with ``--cfg-options`` and
finding the dataset a tool works on."""
from __future__ import annotations

import os.path as osp
from typing import Any, Optional, Tuple

__all__ = ['load_phase_dataset', 'apply_run_args']


def load_phase_dataset(config_path: str, cfg_options: Optional[dict], phase: str,
                       purpose: str) -> Tuple[Any, dict]:
    """Load ``config_path`` (with ``cfg_options`` merged) and return it with the dataset config
    of its ``<phase>_dataloader``; exits with a message naming the file when there is none."""
    from mmcls.config import Config
    cfg = Config.fromfile(config_path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    loader_key = f'{phase}_dataloader'
    if loader_key not in cfg or 'dataset' not in (cfg[loader_key] or {}):
        raise SystemExit(f'{config_path} has no {loader_key}.dataset to {purpose}')
    return cfg, cfg[loader_key]['dataset']


def apply_run_args(cfg: Any, args: Any) -> None:
    """The options ``train`` and ``test`` share: launcher, ``--cfg-options``, ``--work-dir``
    (default ``./work_dirs/<config name>``)."""
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])

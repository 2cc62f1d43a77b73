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


def build_runner(cfg: Any):
    """The runner a config names, built with its ``from_cfg``: the registered ``runner_type``
    (a name in ``RUNNERS`` or a class), else the default :class:`~mmcls.runner.Runner`."""
    from mmcls.registry import RUNNERS
    from mmcls.runner import Runner
    runner_type = cfg.get('runner_type')
    if runner_type is None:
        return Runner.from_cfg(cfg)
    try:
        runner_cls = RUNNERS.get(runner_type) if isinstance(runner_type, str) else runner_type
    except KeyError as err:
        raise KeyError(f'runner_type: {err.args[0]}') from None
    if not hasattr(runner_cls, 'from_cfg'):
        raise TypeError(f'runner_type={runner_type!r} has no from_cfg(cfg) to build it')
    return runner_cls.from_cfg(cfg)

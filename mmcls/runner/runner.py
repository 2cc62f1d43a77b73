"""The Runner: builds a training/evaluation run from a config and drives its loops.

Construction sets up the environment (distributed init, seeds), the work
directory (``work_dir/<timestamp>/`` for the text log, ``vis_data/`` and the
dumped config), the logger, message hub, visualizer, model (moved to the
device, wrapped in DDP when distributed, optionally compiled and
channels-last) and hooks.  Dataloaders, loops, the optimizer wrapper and
schedulers are built when ``train()``/``val()``/``test()`` need them.
"""
from __future__ import annotations

import copy
import os
import os.path as osp
import platform
import time
from typing import Any, Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from mmcls.registry import (EVALUATOR, HOOKS, LOG_PROCESSORS, LOOPS, MODEL_WRAPPERS, MODELS, RUNNERS, VISUALIZERS)
from mmcls.utils.dist import (broadcast_object_list, get_dist_info, is_distributed,
                              is_main_process, master_only)

from mmcls.datasets.builder import WORKER_MALLOC_CACHE_MB, build_dataloader
from mmcls.engine.hooks.hook import HOOK_STAGES
from mmcls.engine.optimizers import build_optim_wrapper
from mmcls.engine.schedulers import build_param_schedulers
from mmcls.core.checkpoint import (CheckpointLoader, _revise_state_dict, find_latest_checkpoint,
                                   load_state_dict, save_checkpoint)
from mmcls.core.launcher import default_backend, init_dist
from mmcls.core.logging import get_logger
from . import checkpointing, sharded_checkpoint
from .compile_monitor import RecompileLogHook, compile_kwargs
from .loops import BaseLoop, EpochBasedTrainLoop, IterBasedTrainLoop, TestLoop, ValLoop
from mmcls.core.message_hub import MessageHub
from mmcls.core.fsdp import MMFullyShardedDataParallel
from mmcls.core.model_wrappers import unwrap_model
from mmcls.core.priority import get_priority
from mmcls.core.randomness import set_random_seed

__all__ = ['Runner']

DEFAULT_HOOKS = (
    ('runtime_info', dict(type='RuntimeInfoHook')),
    ('timer', dict(type='IterTimerHook')),
    ('sampler_seed', dict(type='DistSamplerSeedHook')),
    ('logger', dict(type='LoggerHook')),
    ('param_scheduler', dict(type='ParamSchedulerHook')),
    ('checkpoint', dict(type='CheckpointHook', interval=1)),
)


def _all_or_none(group: str, **items) -> None:
    given = [k for k, v in items.items() if v is not None]
    if given and len(given) != len(items):
        missing = [k for k in items if k not in given]
        raise ValueError(f'{group}: {", ".join(given)} given but {", ".join(missing)} missing; '
                         f'set all of {", ".join(items)} or none of them')


@RUNNERS.register_module()
class Runner:
    """Run training, validation and testing (MMEngine's ``Runner`` interface).

    See ``Runner.from_cfg`` for the config keys; each keyword argument matches
    the config field of the same name.  ``compile`` (True or a dict of
    ``torch.compile`` options) compiles the model's forward; ``channels_last``
    converts the model and its 4-D inputs to channels-last memory format (and
    sets ``channels_last`` on a ClsDataPreprocessor so batches come NHWC-strided).
    ``env_cfg`` keys: ``cudnn_benchmark`` (bool), ``sync_bn`` (None or 'torch':
    BatchNorm layers become SyncBatchNorm before the DDP wrapper), ``mp_cfg``,
    ``dist_cfg``.  Mixed precision is ``optim_wrapper=dict(type='AmpOptimWrapper',
    dtype='float16'|'bfloat16')``; without ``dtype`` (``mmcls train --amp``) it is
    bfloat16 where the device supports it and float16 with a GradScaler otherwise
    (``--amp-dtype`` chooses); the GradScaler state is saved in the checkpoint's
    ``optimizer.loss_scaler`` and restored on resume.  With ``compile`` the Dynamo
    recompiles are counted (message hub ``compile/recompiles``) and logged once at
    the end of training.  Dataloader configs pass ``pin_memory``,
    ``persistent_workers`` and ``prefetch_factor`` on to torch's DataLoader.

    Distributed runs (``launcher='pytorch'`` under ``torchrun``) wrap the model in
    ``MMDistributedDataParallel`` unless ``model_wrapper_cfg`` names another wrapper.
    ``model_wrapper_cfg=dict(type='FSDP', auto_wrap='blocks', mixed_precision=dict(
    param_dtype='bfloat16', reduce_dtype='float32'), activation_checkpointing=False)``
    shards parameters, gradients and optimizer state over the ranks (torch's
    ``fully_shard``, else ``FullyShardedDataParallel``), one shard unit per block of the
    backbone's block lists.  Its checkpoints are sharded: ``epoch_N.pth`` holds the
    training state and names the ``epoch_N.pth.shards`` folder of weights and optimizer
    shards (``torch.distributed.checkpoint``), which ``resume`` loads on any number of
    ranks; ``Runner.export_full_state_dict`` (collective) and
    ``mmcls.runner.sharded_checkpoint.export_full_state_dict`` (offline) write the weights
    as one plain state-dict file.
    """

    def __init__(self,
                 model: Union[nn.Module, Dict],
                 work_dir: str,
                 train_dataloader: Union[DataLoader, Dict, None] = None,
                 val_dataloader: Union[DataLoader, Dict, None] = None,
                 test_dataloader: Union[DataLoader, Dict, None] = None,
                 train_cfg: Optional[Dict] = None,
                 val_cfg: Optional[Dict] = None,
                 test_cfg: Optional[Dict] = None,
                 auto_scale_lr: Optional[Dict] = None,
                 optim_wrapper: Any = None,
                 param_scheduler: Any = None,
                 val_evaluator: Any = None,
                 test_evaluator: Any = None,
                 default_hooks: Optional[Dict[str, Any]] = None,
                 custom_hooks: Optional[List[Any]] = None,
                 data_preprocessor: Optional[Dict] = None,
                 load_from: Optional[str] = None,
                 resume: bool = False,
                 launcher: str = 'none',
                 env_cfg: Optional[Dict] = None,
                 log_processor: Optional[Dict] = None,
                 log_level: str = 'INFO',
                 visualizer: Any = None,
                 default_scope: str = 'mmcls',
                 randomness: Optional[Dict] = None,
                 experiment_name: Optional[str] = None,
                 cfg: Any = None,
                 compile: Union[bool, Dict] = False,
                 channels_last: bool = False,
                 model_wrapper_cfg: Optional[Dict] = None):
        self._work_dir = osp.abspath(work_dir)
        self.cfg = cfg
        self.default_scope = default_scope

        _all_or_none('training', train_dataloader=train_dataloader, train_cfg=train_cfg,
                     optim_wrapper=optim_wrapper)
        _all_or_none('validation', val_dataloader=val_dataloader, val_cfg=val_cfg,
                     val_evaluator=val_evaluator)
        _all_or_none('test', test_dataloader=test_dataloader, test_cfg=test_cfg,
                     test_evaluator=test_evaluator)
        self._train_dataloader = train_dataloader
        self._train_loop: Any = train_cfg
        self.optim_wrapper = optim_wrapper
        self.auto_scale_lr = auto_scale_lr
        self.param_schedulers = ([param_scheduler] if isinstance(param_scheduler, dict)
                                 else param_scheduler)
        self._val_dataloader = val_dataloader
        self._val_loop: Any = val_cfg
        self._val_evaluator = val_evaluator
        self._test_dataloader = test_dataloader
        self._test_loop: Any = test_cfg
        self._test_evaluator = test_evaluator

        self._load_from = load_from
        self._resume = resume
        self._has_loaded = False

        self._launcher = launcher
        self.setup_env(env_cfg or dict(dist_cfg=dict(backend='nccl')))
        self._randomness_cfg = dict(randomness or dict(seed=None))
        self.set_randomness(**self._randomness_cfg)

        self._timestamp = broadcast_object_list([time.strftime('%Y%m%d_%H%M%S')])[0]
        if experiment_name is not None:
            self._experiment_name = f'{experiment_name}_{self._timestamp}'
        elif cfg is not None and getattr(cfg, 'filename', None):
            stem = osp.splitext(osp.basename(cfg.filename))[0]
            self._experiment_name = f'{stem}_{self._timestamp}'
        else:
            self._experiment_name = self._timestamp
        self._log_dir = osp.join(self._work_dir, self._timestamp)
        if self.rank == 0:
            os.makedirs(self._log_dir, exist_ok=True)
        self.logger = get_logger(self._experiment_name,
                                 log_file=osp.join(self._log_dir, f'{self._timestamp}.log'),
                                 log_level=log_level)
        self._log_env()

        self.message_hub = MessageHub(self._experiment_name)
        self.message_hub.update_info_dict(dict(experiment_name=self._experiment_name,
                                               seed=self.seed))
        self.log_processor = self.build_log_processor(log_processor)
        self.visualizer = self.build_visualizer(visualizer)
        if cfg is not None:
            self.visualizer.add_config(cfg)

        self._data_preprocessor = data_preprocessor
        self.model = self.build_model(model)
        self._channels_last = channels_last
        if channels_last:  # before the wrapper, which lays out its buckets/shards from it
            # FSDP shards only contiguous parameters: there the inputs alone are converted
            self._set_channels_last(self.model, convert_params=not (
                self.distributed and _is_fsdp_cfg(model_wrapper_cfg)))
        self.model = self.wrap_model(model_wrapper_cfg, self.model)
        self._compile_cfg = compile
        if compile:
            self._compile_model(compile)

        self._hooks: List[Any] = []
        self._stage_hooks: Dict[str, List[Any]] = {}
        self.register_hooks(default_hooks, custom_hooks)
        if compile:
            self.register_hook(RecompileLogHook())
        self.logger.info('Hooks will be executed in the following order:\n' + self.get_hooks_info())
        self.dump_config()

    # ------------------------------------------------------------ factory
    @classmethod
    def from_cfg(cls, cfg: Any) -> 'Runner':
        """Build a runner from a config (``Config`` or dict); ``work_dir`` and ``model`` are required."""
        cfg = copy.deepcopy(cfg)
        for key in ('model', 'work_dir'):
            if key not in cfg or cfg[key] is None:
                raise KeyError(f'the config must set "{key}" to build a Runner')
        return cls(
            model=cfg['model'], work_dir=cfg['work_dir'],
            train_dataloader=cfg.get('train_dataloader'), val_dataloader=cfg.get('val_dataloader'),
            test_dataloader=cfg.get('test_dataloader'), train_cfg=cfg.get('train_cfg'),
            val_cfg=cfg.get('val_cfg'), test_cfg=cfg.get('test_cfg'),
            auto_scale_lr=cfg.get('auto_scale_lr'), optim_wrapper=cfg.get('optim_wrapper'),
            param_scheduler=cfg.get('param_scheduler'), val_evaluator=cfg.get('val_evaluator'),
            test_evaluator=cfg.get('test_evaluator'), default_hooks=cfg.get('default_hooks'),
            custom_hooks=cfg.get('custom_hooks'), data_preprocessor=cfg.get('data_preprocessor'),
            load_from=cfg.get('load_from'), resume=cfg.get('resume', False),
            launcher=cfg.get('launcher', 'none'),
            env_cfg=cfg.get('env_cfg', dict(dist_cfg=dict(backend='nccl'))),
            log_processor=cfg.get('log_processor'), log_level=cfg.get('log_level', 'INFO'),
            visualizer=cfg.get('visualizer'), default_scope=cfg.get('default_scope', 'mmcls'),
            randomness=cfg.get('randomness', dict(seed=None)),
            experiment_name=cfg.get('experiment_name'), cfg=cfg,
            compile=cfg.get('compile', False), channels_last=cfg.get('channels_last', False),
            model_wrapper_cfg=cfg.get('model_wrapper_cfg'))

    # ------------------------------------------------------------ properties
    @property
    def work_dir(self) -> str:
        return self._work_dir

    @property
    def log_dir(self) -> str:
        return self._log_dir

    @property
    def timestamp(self) -> str:
        return self._timestamp

    @property
    def experiment_name(self) -> str:
        return self._experiment_name

    @property
    def launcher(self) -> str:
        return self._launcher

    @property
    def distributed(self) -> bool:
        return is_distributed()

    @property
    def rank(self) -> int:
        return get_dist_info()[0]

    @property
    def world_size(self) -> int:
        return get_dist_info()[1]

    @property
    def seed(self) -> int:
        return self._seed

    @property
    def randomness_cfg(self) -> Dict[str, Any]:
        """A copy of the ``randomness`` settings (seed, deterministic, diff_rank_seed)."""
        return dict(self._randomness_cfg)

    @property
    def deterministic(self) -> bool:
        return self._randomness_cfg.get('deterministic', False)

    @property
    def hooks(self) -> List[Any]:
        return self._hooks

    @property
    def train_loop_built(self) -> bool:
        return isinstance(self._train_loop, BaseLoop)

    @property
    def epoch(self) -> int:
        return self._train_loop.epoch if self.train_loop_built else 0

    @property
    def iter(self) -> int:
        return self._train_loop.iter if self.train_loop_built else 0

    @property
    def max_epochs(self) -> int:
        return self.train_loop.max_epochs

    @property
    def max_iters(self) -> int:
        return self.train_loop.max_iters

    @property
    def train_loop(self):
        if self._train_loop is None:
            raise RuntimeError('no train loop: pass train_dataloader, train_cfg and optim_wrapper '
                               'to the Runner (config keys of the same names) to train')
        if not isinstance(self._train_loop, BaseLoop):
            self._train_loop = self.build_train_loop(self._train_loop)
        return self._train_loop

    @property
    def val_loop(self):
        if self._val_loop is None:
            return None
        if not isinstance(self._val_loop, BaseLoop):
            self._val_loop = self.build_val_loop(self._val_loop)
        return self._val_loop

    @property
    def test_loop(self):
        if self._test_loop is None:
            return None
        if not isinstance(self._test_loop, BaseLoop):
            self._test_loop = self.build_test_loop(self._test_loop)
        return self._test_loop

    @property
    def train_dataloader(self):
        return self.train_loop.dataloader

    @property
    def val_dataloader(self):
        return self.val_loop.dataloader if self.val_loop is not None else None

    @property
    def test_dataloader(self):
        return self.test_loop.dataloader if self.test_loop is not None else None

    @property
    def val_evaluator(self):
        return self.val_loop.evaluator if self.val_loop is not None else None

    @property
    def test_evaluator(self):
        return self.test_loop.evaluator if self.test_loop is not None else None

    # ------------------------------------------------------------ environment
    def setup_env(self, env_cfg: Dict) -> None:
        """Multiprocessing start method, OpenCV threads, cuDNN benchmark, distributed init."""
        mp_cfg = env_cfg.get('mp_cfg') or {}
        start_method = mp_cfg.get('mp_start_method')
        if start_method is not None and platform.system() != 'Windows':
            import multiprocessing as mp
            current = mp.get_start_method(allow_none=True)
            if current != start_method:
                mp.set_start_method(start_method, force=True)
        threads = mp_cfg.get('opencv_num_threads')
        self._opencv_num_threads = threads
        self._worker_malloc_cache_mb = mp_cfg.get('worker_malloc_cache_mb',
                                                  WORKER_MALLOC_CACHE_MB)
        if threads is not None:
            import cv2
            cv2.setNumThreads(int(threads))
        if env_cfg.get('cudnn_benchmark'):
            torch.backends.cudnn.benchmark = True
        self._sync_bn = _check_sync_bn(env_cfg.get('sync_bn'))
        if self._launcher != 'none':
            dist_cfg = dict(env_cfg.get('dist_cfg') or {})
            backend = default_backend(dist_cfg.pop('backend', None))
            if 'OMP_NUM_THREADS' not in os.environ and mp_cfg.get('omp_num_threads') is not None:
                os.environ['OMP_NUM_THREADS'] = str(mp_cfg['omp_num_threads'])
            init_dist(self._launcher, backend=backend, **dist_cfg)
        elif self._launcher not in ('none',):
            raise ValueError(f"launcher must be 'none', 'pytorch', 'slurm' or 'mpi', "
                             f"got {self._launcher!r}")

    def set_randomness(self, seed: Optional[int] = None, deterministic: bool = False,
                       diff_rank_seed: bool = False) -> None:
        """Seed every RNG (``randomness`` config); the seed used is ``runner.seed``."""
        self._seed = set_random_seed(seed, deterministic, diff_rank_seed)

    def _log_env(self) -> None:
        cuda = torch.cuda.is_available()
        lines = [f'Python: {platform.python_version()}', f'PyTorch: {torch.__version__}',
                 f'CUDA available: {cuda}' + (f' ({torch.cuda.get_device_name()})' if cuda else ''),
                 f'Distributed launcher: {self._launcher}', f'Distributed training: '
                 f'{self.distributed}', f'GPU number: {self.world_size if cuda else 0}',
                 f'Seed: {self._seed}', f'Work dir: {self._work_dir}']
        self.logger.info('Environment:\n    ' + '\n    '.join(lines))

    # ------------------------------------------------------------ builders
    def build_log_processor(self, log_processor: Any):
        if log_processor is None:
            log_processor = dict(type='LogProcessor')
        if not isinstance(log_processor, dict):
            return log_processor
        cfg = dict(log_processor)
        cfg.setdefault('type', 'LogProcessor')
        return LOG_PROCESSORS.build(cfg)

    def build_visualizer(self, visualizer: Any):
        """Build ``visualizer`` (dict or instance); it saves under ``log_dir/vis_data``."""
        if visualizer is not None and not isinstance(visualizer, dict):
            return visualizer
        cfg = dict(visualizer) if visualizer is not None else dict(
            type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])
        cfg.setdefault('type', 'Visualizer')
        cfg.setdefault('name', self._experiment_name)
        cfg.setdefault('save_dir', self._log_dir)
        return VISUALIZERS.build(cfg)

    def build_model(self, model: Union[nn.Module, Dict]) -> nn.Module:
        """Build the model; the top-level ``data_preprocessor`` fills in a missing model one."""
        if isinstance(model, nn.Module):
            return model
        if not isinstance(model, dict):
            raise TypeError(f'model must be an nn.Module or a config dict, got {type(model).__name__}')
        cfg = copy.deepcopy(dict(model))
        if cfg.get('data_preprocessor') is None and self._data_preprocessor is not None:
            cfg['data_preprocessor'] = copy.deepcopy(self._data_preprocessor)
        return MODELS.build(cfg)

    def wrap_model(self, model_wrapper_cfg: Optional[Dict], model: nn.Module) -> nn.Module:
        """Move ``model`` to the device and wrap it in DDP when distributed."""
        device = torch.device('cuda', torch.cuda.current_device()) if torch.cuda.is_available() \
            else torch.device('cpu')
        model = model.to(device)
        if not self.distributed:
            return model  # model_wrapper_cfg and env_cfg.sync_bn only apply to distributed runs
        if self._sync_bn == 'torch':
            if device.type != 'cuda':
                raise ValueError("env_cfg.sync_bn='torch' needs CUDA: DDP does not accept "
                                 "SyncBatchNorm on CPU modules")
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        cfg = dict(model_wrapper_cfg or dict(type='MMDistributedDataParallel',
                                             broadcast_buffers=False,
                                             find_unused_parameters=self.cfg.get(
                                                 'find_unused_parameters', False)
                                             if self.cfg is not None else False))
        if device.type == 'cuda':
            cfg.setdefault('device_ids', [device.index])
        return MODEL_WRAPPERS.build(cfg, default_args=dict(module=model))

    def _set_channels_last(self, model: nn.Module, convert_params: bool = True) -> None:
        if convert_params:
            model.to(memory_format=torch.channels_last)
        preprocessor = getattr(unwrap_model(model), 'data_preprocessor', None)
        if hasattr(preprocessor, 'channels_last'):
            preprocessor.channels_last = True

        def to_channels_last(_module, args, kwargs):
            convert = (lambda x: x.contiguous(memory_format=torch.channels_last)
                       if torch.is_tensor(x) and x.dim() == 4 and x.is_floating_point() else x)
            return tuple(convert(a) for a in args), {k: convert(v) for k, v in kwargs.items()}

        unwrap_model(model).register_forward_pre_hook(to_channels_last, with_kwargs=True)

    def _compile_model(self, compile_cfg: Union[bool, Dict]) -> None:
        kwargs = compile_kwargs(compile_cfg)
        unwrap_model(self.model).compile(**kwargs)
        self.logger.info(f'Compiled the model forward with torch.compile({kwargs})')

    def build_dataloader(self, dataloader: Union[DataLoader, Dict], seed: Optional[int] = None,
                         diff_rank_seed: bool = False) -> DataLoader:
        """A DataLoader from a dict (``dataset``, ``sampler``, ``batch_size``, ``collate_fn``...)
        through :func:`mmcls.datasets.builder.build_dataloader`, seeded from the run seed and
        sharded by this process's rank."""
        return build_dataloader(
            dataloader, seed=seed if seed is not None else self.seed,
            sampler_seed=None if diff_rank_seed else seed, rank=self.rank,
            deterministic=self.deterministic, opencv_num_threads=self._opencv_num_threads,
            worker_malloc_cache_mb=self._worker_malloc_cache_mb)

    def build_evaluator(self, evaluator: Any):
        """An evaluator from an instance, an ``Evaluator`` dict, or metric dict(s)."""
        if hasattr(evaluator, 'process') and hasattr(evaluator, 'evaluate'):
            return evaluator
        if isinstance(evaluator, dict) and 'metrics' in evaluator:
            cfg = dict(evaluator)
            cfg.setdefault('type', 'Evaluator')
            return EVALUATOR.build(cfg)
        if isinstance(evaluator, (dict, list, tuple)):
            return EVALUATOR.build(dict(type='Evaluator', metrics=evaluator))
        raise TypeError(f'evaluator must be an Evaluator, a metric dict or a list of metric '
                        f'dicts, got {type(evaluator).__name__}')

    def build_train_loop(self, loop: Any):
        if isinstance(loop, BaseLoop):
            return loop
        if not isinstance(loop, dict):
            raise TypeError(f'train_cfg must be a dict or a loop, got {type(loop).__name__}')
        cfg = dict(loop)
        if 'type' in cfg:
            if 'by_epoch' in cfg:
                raise ValueError('train_cfg sets both "type" and "by_epoch"; use only one')
            return LOOPS.build(cfg, default_args=dict(runner=self,
                                                       dataloader=self._train_dataloader))
        if 'by_epoch' not in cfg:
            raise KeyError('train_cfg needs "type" or "by_epoch" (True: EpochBasedTrainLoop with '
                           'max_epochs, False: IterBasedTrainLoop with max_iters)')
        loop_cls = EpochBasedTrainLoop if cfg.pop('by_epoch') else IterBasedTrainLoop
        return loop_cls(runner=self, dataloader=self._train_dataloader, **cfg)

    def build_val_loop(self, loop: Any):
        return self._build_eval_loop(loop, ValLoop, self._val_dataloader, self._val_evaluator)

    def build_test_loop(self, loop: Any):
        return self._build_eval_loop(loop, TestLoop, self._test_dataloader, self._test_evaluator)

    def _build_eval_loop(self, loop: Any, default_cls: type, dataloader: Any, evaluator: Any):
        if isinstance(loop, BaseLoop):
            return loop
        cfg = dict(loop)
        args = dict(runner=self, dataloader=dataloader, evaluator=evaluator)
        if 'type' in cfg:
            return LOOPS.build(cfg, default_args=args)
        return default_cls(**args, **cfg)

    def build_optim_wrapper(self, optim_wrapper: Any):
        if hasattr(optim_wrapper, 'update_params'):
            return optim_wrapper
        if not isinstance(optim_wrapper, dict):
            raise TypeError(f'optim_wrapper must be a dict or an OptimWrapper, '
                            f'got {type(optim_wrapper).__name__}')
        return build_optim_wrapper(unwrap_model(self.model), copy.deepcopy(optim_wrapper))

    def build_param_scheduler(self, schedulers: Any) -> List[Any]:
        """Schedulers from dicts (``convert_to_iter_based``, default ``end`` handled downstream)."""
        items = schedulers if isinstance(schedulers, (list, tuple)) else [schedulers]
        if all(not isinstance(s, dict) for s in items):
            return list(items)
        loop = self.train_loop
        by_epoch_loop = isinstance(loop, EpochBasedTrainLoop)
        return build_param_schedulers(
            [copy.deepcopy(s) if isinstance(s, dict) else s for s in items], self.optim_wrapper,
            epoch_length=len(loop.dataloader),
            max_epochs=loop.max_epochs if by_epoch_loop else None, max_iters=loop.max_iters)

    def scale_lr(self, optim_wrapper: Any, auto_scale_lr: Optional[Dict] = None) -> None:
        """Multiply every lr by ``world_size * batch_size / base_batch_size`` when enabled."""
        if not auto_scale_lr or not auto_scale_lr.get('enable', False):
            return
        if 'base_batch_size' not in auto_scale_lr:
            raise KeyError('auto_scale_lr needs "base_batch_size" (the total batch size the '
                           'lr of the config was tuned for)')
        batch_size = self.train_dataloader.batch_size
        if batch_size is None:
            batch_size = self.train_dataloader.batch_sampler.batch_size
        real = self.world_size * batch_size
        ratio = real / auto_scale_lr['base_batch_size']
        wrappers = optim_wrapper.values() if hasattr(optim_wrapper, 'values') else [optim_wrapper]
        for wrapper in wrappers:
            for group in wrapper.param_groups:
                group['lr'] = group['lr'] * ratio
        self.logger.info(f'LR is scaled by {ratio:g} = {self.world_size} GPU(s) x {batch_size} '
                         f'samples per GPU / base_batch_size {auto_scale_lr["base_batch_size"]}')

    # ------------------------------------------------------------ hooks
    def register_hook(self, hook: Any, priority: Union[int, str, None] = None) -> None:
        """Add a hook (instance or dict) in priority order; equal priorities keep insertion order."""
        if isinstance(hook, dict):
            cfg = dict(hook)
            cfg_priority = cfg.pop('priority', None)
            priority = priority if priority is not None else cfg_priority
            hook_obj = HOOKS.build(cfg)
        else:
            hook_obj = hook
        if priority is not None:
            hook_obj.priority = priority
        value = get_priority(hook_obj.priority)
        index = len(self._hooks)
        for i, existing in enumerate(self._hooks):
            if value < get_priority(existing.priority):
                index = i
                break
        self._hooks.insert(index, hook_obj)
        self._rebuild_stage_hooks()

    def _rebuild_stage_hooks(self) -> None:
        stages: Dict[str, List[Any]] = {}
        for hook in self._hooks:
            triggered = hook.get_triggered_stages() if hasattr(hook, 'get_triggered_stages') \
                else [s for s in dir(hook) if s.startswith(('before_', 'after_'))]
            for stage in triggered:
                stages.setdefault(stage, []).append(hook)
        self._stage_hooks = stages

    def register_hooks(self, default_hooks: Optional[Dict] = None,
                       custom_hooks: Optional[List] = None) -> None:
        """Register ``default_hooks`` (merged into the defaults; None removes one) and ``custom_hooks``."""
        hooks: Dict[str, Any] = dict(copy.deepcopy(DEFAULT_HOOKS))
        for name, hook in (default_hooks or {}).items():
            hooks[name] = hook
        for name, hook in hooks.items():
            if hook is not None:
                self.register_hook(hook)
        for hook in custom_hooks or []:
            self.register_hook(hook)

    def call_hook(self, fn_name: str, **kwargs) -> None:
        """Call ``fn_name`` of every hook that implements it, in priority order."""
        for hook in self._stage_hooks.get(fn_name, ()):
            getattr(hook, fn_name)(self, **kwargs)

    def get_hooks_info(self) -> str:
        lines = []
        for stage in HOOK_STAGES:
            hooks = self._stage_hooks.get(stage)
            if not hooks:
                continue
            lines.append(f'{stage}:')
            lines += [f'({str(h.priority):<12}) {type(h).__name__}' for h in hooks]
            lines.append('-' * 20)
        return '\n'.join(lines)

    # ------------------------------------------------------------ run
    def train(self) -> nn.Module:
        """Build what training needs, load or resume, then run the train loop."""
        if self._train_loop is None:
            raise RuntimeError('cannot train: pass train_dataloader, train_cfg and optim_wrapper '
                               '(config keys of the same names) to the Runner')
        self._train_loop = self.build_train_loop(self._train_loop)
        self.optim_wrapper = self.build_optim_wrapper(self.optim_wrapper)
        _check_sharded_loss_scaling(self.model, self.optim_wrapper)
        self.scale_lr(self.optim_wrapper, self.auto_scale_lr)
        if self.param_schedulers is not None:
            self.param_schedulers = self.build_param_scheduler(self.param_schedulers)
        else:
            self.param_schedulers = []
        if self._val_loop is not None:
            self._val_loop = self.build_val_loop(self._val_loop)
        self.call_hook('before_run')
        self._init_model_weights()
        self.load_or_resume()
        if hasattr(self.optim_wrapper, 'initialize_count_status'):
            self.optim_wrapper.initialize_count_status(self.model, self._train_loop.iter,
                                                       self._train_loop.max_iters)
        model = self.train_loop.run()
        self.call_hook('after_run')
        return model

    def val(self) -> Dict[str, Any]:
        """Load ``load_from`` (if any) and run the validation loop once."""
        if self._val_loop is None:
            raise RuntimeError('cannot validate: pass val_dataloader, val_cfg and val_evaluator '
                               'to the Runner')
        self._val_loop = self.build_val_loop(self._val_loop)
        self.call_hook('before_run')
        self.load_or_resume()
        metrics = self.val_loop.run()
        self.call_hook('after_run')
        return metrics

    def test(self) -> Dict[str, Any]:
        """Load ``load_from`` (if any) and run the test loop once."""
        if self._test_loop is None:
            raise RuntimeError('cannot test: pass test_dataloader, test_cfg and test_evaluator '
                               'to the Runner')
        self._test_loop = self.build_test_loop(self._test_loop)
        self.call_hook('before_run')
        self.load_or_resume()
        metrics = self.test_loop.run()
        self.call_hook('after_run')
        return metrics

    def _init_model_weights(self) -> None:
        if sharded_checkpoint.is_sharded_model(self.model):
            return  # initialised and made equal on every rank before it was sharded
        model = unwrap_model(self.model)
        if hasattr(model, 'init_weights'):
            model.init_weights()
            if self.distributed:  # ranks may draw different weights; rank 0 wins
                import torch.distributed as dist
                for tensor in model.state_dict().values():
                    dist.broadcast(tensor, src=0)

    # ------------------------------------------------------------ checkpoints
    def load_or_resume(self) -> None:
        """Resume from ``load_from`` or the latest checkpoint, or load weights only, or neither."""
        if self._has_loaded:
            return
        resume_from = None
        if self._resume and self._load_from is None:
            resume_from = find_latest_checkpoint(self.work_dir)
            if resume_from is None:
                self.logger.warning(f'resume=True but no checkpoint was found in {self.work_dir}; '
                                    f'training starts from scratch')
        elif self._resume:
            resume_from = self._load_from
        if resume_from is not None:
            self.resume(resume_from)
            self._has_loaded = True
        elif self._load_from is not None:
            self.load_checkpoint(self._load_from)
            self._has_loaded = True

    def load_checkpoint(self, filename: str, map_location: Any = 'cpu', strict: bool = False,
                        revise_keys: Sequence = ((r'^module\.', ''),)) -> dict:
        """Load model weights only (``load_from`` without ``resume``)."""
        checkpoint = CheckpointLoader.load_checkpoint(filename, map_location, self.logger)
        # Hooks see the checkpoint first (EMAHook may swap its entries back).
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        state_dict = _revise_state_dict(checkpoint, filename, revise_keys, None)
        if sharded_checkpoint.is_sharded_model(self.model):
            sharded_checkpoint.load_full_weights(self.model, state_dict, self.logger)
        else:
            load_state_dict(self.model, state_dict, strict, self.logger)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def resume(self, filename: str, resume_optimizer: bool = True,
               resume_param_scheduler: bool = True, map_location: Any = 'cpu') -> None:
        """Restore weights, optimizer, schedulers, counters, message hub and RNG states."""
        checkpoint = CheckpointLoader.load_checkpoint(filename, map_location, self.logger)
        meta = checkpointing.checkpoint_meta(checkpoint, filename)
        if meta.get('seed') is not None and meta['seed'] != self.seed:
            self.logger.warning(f'The seed of the checkpoint ({meta["seed"]}) differs from this '
                                f'run ({self.seed}); the checkpoint seed is used')
            self._randomness_cfg['seed'] = meta['seed']
            self.set_randomness(**self._randomness_cfg)
        sharded = sharded_checkpoint.is_sharded_checkpoint(checkpoint)
        if resume_optimizer and (sharded or checkpoint.get('optimizer') is not None):
            self.optim_wrapper = self.build_optim_wrapper(self.optim_wrapper)
        checkpointing.restore_training_state(
            checkpoint, filename, self.train_loop, self.model, self.message_hub,
            self.optim_wrapper if resume_optimizer else None,
            (self.param_schedulers or []) if resume_param_scheduler else None,
            self.logger, lambda ckpt: self.call_hook('after_load_checkpoint', checkpoint=ckpt),
            load_weights=not sharded)
        if sharded:
            sharded_checkpoint.load_sharded_state(checkpoint, filename, self.model,
                                                  self.optim_wrapper if resume_optimizer else None)
        self._has_loaded = True
        loop = self.train_loop
        self.logger.info(f'resumed epoch: {loop.epoch}, iter: {loop.iter} from {filename}')

    def save_checkpoint(self, out_dir: str, filename: str, save_optimizer: bool = True,
                        save_param_scheduler: bool = True, meta: Optional[dict] = None,
                        by_epoch: bool = True, file_client_args: Any = None,
                        backend_args: Any = None) -> Optional[str]:
        """Write ``out_dir/filename`` with meta, weights, optimizer, schedulers, message hub, RNG.

        Rank 0 writes it (other ranks return None); with FSDP every rank writes its
        shards (a collective call) and every rank returns the path.
        """
        sharded = sharded_checkpoint.is_sharded_model(self.model)
        if not sharded and not is_main_process():
            return None
        for name, value in (('file_client_args', file_client_args),
                            ('backend_args', backend_args)):
            if value is not None:
                raise ValueError(f'save_checkpoint: {name} (remote storage) is not supported')
        # Called from after_train_epoch/iter, before the loop counters advance; ``meta``
        # may set epoch/iter explicitly (e.g. after validation, when they have advanced).
        counters = dict(epoch=self.epoch + 1, iter=self.iter) if by_epoch else \
            dict(epoch=self.epoch, iter=self.iter + 1)
        meta = {**counters, **(meta or {})}
        meta.update(seed=self.seed, experiment_name=self.experiment_name,
                    time=time.strftime('%Y%m%d_%H%M%S', time.localtime()),
                    mmcls_version=_mmcls_version())
        if self.cfg is not None and hasattr(self.cfg, 'pretty_text'):
            meta['cfg'] = self.cfg.pretty_text
        checkpoint = checkpointing.build_checkpoint(
            meta, self.train_loop.dataloader, None if sharded else self.model, self.message_hub,
            self.optim_wrapper if save_optimizer and not sharded else None,
            self.param_schedulers if save_param_scheduler else None, self.logger)
        self.call_hook('before_save_checkpoint', checkpoint=checkpoint)
        filepath = osp.join(out_dir, filename)
        if sharded:
            sharded_checkpoint.save_sharded_checkpoint(
                checkpoint, filepath, self.model, self.optim_wrapper if save_optimizer else None)
        else:
            save_checkpoint(checkpoint, filepath)
        return filepath

    def export_full_state_dict(self, filename: str) -> Optional[str]:
        """Write the model's full weights as one plain state dict (``torch.load`` +
        ``model.load_state_dict``); collective under FSDP, rank 0 writes."""
        if sharded_checkpoint.is_sharded_model(self.model):
            state_dict = sharded_checkpoint.gather_full_state_dict(self.model)
        else:
            state_dict = unwrap_model(self.model).state_dict()
        if not is_main_process():
            return None
        save_checkpoint({k: v.detach().cpu() for k, v in state_dict.items()}, filename)
        return filename

    @master_only
    def dump_config(self) -> None:
        """Write the config to ``work_dir/<config file name>``."""
        if self.cfg is None or not hasattr(self.cfg, 'dump'):
            return
        name = osp.basename(self.cfg.filename) if getattr(self.cfg, 'filename', None) \
            else f'{self.timestamp}.py'
        self.cfg.dump(osp.join(self.work_dir, name))


def _check_sync_bn(sync_bn: Optional[str]) -> Optional[str]:
    """``env_cfg.sync_bn``: None (keep BatchNorm) or 'torch' (SyncBatchNorm under DDP)."""
    if sync_bn not in (None, 'torch'):
        raise ValueError(f"env_cfg.sync_bn must be None or 'torch', got {sync_bn!r}")
    return sync_bn


def _is_fsdp_cfg(model_wrapper_cfg: Optional[Dict]) -> bool:
    """Whether ``model_wrapper_cfg`` names the FSDP wrapper."""
    if not model_wrapper_cfg or 'type' not in model_wrapper_cfg:
        return False
    wrapper = model_wrapper_cfg['type']
    if isinstance(wrapper, str):
        wrapper = MODEL_WRAPPERS.get(wrapper)
    return isinstance(wrapper, type) and issubclass(wrapper, MMFullyShardedDataParallel)


def _check_sharded_loss_scaling(model: nn.Module, optim_wrapper: Any) -> None:
    """FSDP shards the gradients, so a per-rank GradScaler could skip the step on some
    ranks only; float16 loss scaling is refused there."""
    if sharded_checkpoint.is_sharded_model(model) and \
            getattr(optim_wrapper, 'loss_scaler', None) is not None:
        raise ValueError("optim_wrapper: AmpOptimWrapper with dtype='float16' (a GradScaler) "
                         "cannot drive an FSDP model; use dtype='bfloat16' or the FSDP "
                         "mixed_precision option with a plain OptimWrapper")


def _mmcls_version() -> str:
    import mmcls
    return mmcls.__version__

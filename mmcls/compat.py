"""Opt-in MMEngine/MMCV import compatibility: ``import mmengine.model`` finds mmcls's classes.

Code written for MMClassification 1.x imports its building blocks from MMEngine and MMCV.
:func:`install` (or ``MMCLS_COMPAT=1`` in the environment when ``mmcls`` is imported) adds an
import finder that answers those imports with small alias modules whose attributes are this
package's own classes, resolved on first access. It is strictly a fallback:

* a top-level package (``mmengine``, ``mmcv``) that is installed, or already imported, is left
  alone entirely (checked with :func:`importlib.util.find_spec` at install time);
* the finder sits at the end of ``sys.meta_path``, so a real package that appears on
  ``sys.path`` later still wins;
* only the modules and names listed below exist; anything else is a normal ``ImportError`` /
  ``AttributeError``. :func:`uninstall` removes the finder and the alias modules.

Covered modules and names:

* ``mmengine``: Config, ConfigDict, DictAction, digit_version, print_log, MessageHub, MMLogger,
  is_seq_of/is_list_of/is_tuple_of and everything of ``mmengine.registry``
* ``mmengine.config``: Config, ConfigDict, DictAction
* ``mmengine.registry``: Registry, build_from_cfg and the registries (MODELS, DATASETS,
  DATA_SAMPLERS, TRANSFORMS, FUNCTIONS, HOOKS, OPTIMIZERS, OPTIM_WRAPPERS,
  OPTIM_WRAPPER_CONSTRUCTORS, PARAM_SCHEDULERS, METRICS, EVALUATOR, VISUALIZERS, VISBACKENDS,
  LOOPS, RUNNERS, RUNNER_CONSTRUCTORS, LOG_PROCESSORS, MODEL_WRAPPERS, WEIGHT_INITIALIZERS),
  DefaultScope
* ``mmengine.structures``: BaseDataElement, LabelData
* ``mmengine.model``: BaseModel, BaseModule, BaseDataPreprocessor, Sequential, ModuleList,
  ModuleDict, stack_batch,
  the init functions (constant/normal/trunc_normal/xavier/kaiming/uniform_init,
  trunc_normal_, initialize, BaseInit, PretrainedInit), the averaged models
  (BaseAveragedModel, ExponentialMovingAverage, MomentumAnnealingEMA,
  StochasticWeightAverage), MMDistributedDataParallel, is_model_wrapper
* ``mmengine.optim``: OptimWrapper, AmpOptimWrapper, OptimWrapperDict,
  DefaultOptimWrapperConstructor, build_optim_wrapper and the parameter schedulers
  (ConstantLR, CosineAnnealingLR, CosineRestartLR, ExponentialLR, LinearLR, MultiStepLR,
  OneCycleLR, PolyLR, ReduceOnPlateauLR, StepLR, their ``*ParamScheduler`` forms,
  CosineAnnealingMomentum, LinearMomentum)
* ``mmengine.dist``: get_dist_info, get_rank, get_world_size, is_distributed,
  is_main_process, master_only, barrier, all_gather_object, broadcast_object_list,
  collect_results, all_reduce, init_dist
* ``mmengine.logging``: MessageHub, HistoryBuffer, LogProcessor, print_log, MMLogger
* ``mmengine.runner``: Runner, BaseLoop, EpochBasedTrainLoop, IterBasedTrainLoop, ValLoop,
  TestLoop, CheckpointLoader, load_checkpoint, save_checkpoint, load_state_dict,
  get_state_dict, weights_to_cpu, set_random_seed, LogProcessor
* ``mmengine.hooks``: Hook, CheckpointHook, LoggerHook, IterTimerHook, DistSamplerSeedHook,
  ParamSchedulerHook, RuntimeInfoHook, EMAHook, EmptyCacheHook, SyncBuffersHook
* ``mmengine.utils``: digit_version, to_2tuple, to_ntuple, is_seq_of, is_list_of, is_tuple_of
* ``mmengine.utils.dl_utils.parrots_wrapper``: torch's _BatchNorm, _InstanceNorm, _ConvNd,
  _ConvTransposeMixin, the pooling bases and SyncBatchNorm
* ``mmengine.dataset``: BaseDataset, ConcatDataset, RepeatDataset, ClassBalancedDataset,
  Compose, DefaultSampler, InfiniteSampler, default_collate, pseudo_collate (the collates also
  in ``mmengine.dataset.utils``)
* ``mmengine.evaluator``: Evaluator, BaseMetric
* ``mmengine.testing``: assert_allclose
* ``mmcv`` and ``mmcv.image``: imread, imfrombytes, the geometric ops (imresize, imrescale,
  rescale_size, imcrop, impad, impad_to_multiple, imflip, imrotate, imshear, imtranslate) and
  the photometric ops (bgr2gray, gray2bgr, adjust_brightness/contrast/color/sharpness/hue/
  lighting, auto_contrast, imequalize, iminvert, solarize, posterize)
* ``mmcv.cnn`` and ``mmcv.cnn.bricks``: ConvModule, build_conv_layer, build_norm_layer,
  build_activation_layer, Conv2dAdaptivePadding, Swish, HSwish, HSigmoid, DropPath,
  build_dropout, fuse_conv_bn and the init functions
* ``mmcv.transforms``: BaseTransform, Compose, TRANSFORMS, LoadImageFromFile, Resize,
  RandomResize, RandomChoiceResize, CenterCrop, RandomFlip, RandomGrayscale, RandomApply,
  RandomChoice, Normalize, Pad, ToTensor, ImageToTensor, to_tensor, KeyMapper,
  TransformBroadcaster, cache_randomness
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from typing import Dict, Iterable, List, Optional

__all__ = ['install', 'uninstall', 'is_installed', 'ALIASES']


def _names(source: str, names: Iterable[str]) -> Dict[str, str]:
    return {name: source for name in names}


_REGISTRIES = ('Registry', 'build_from_cfg', 'MODELS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS',
               'FUNCTIONS', 'HOOKS', 'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
               'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR', 'VISUALIZERS', 'VISBACKENDS', 'LOOPS',
               'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOG_PROCESSORS', 'MODEL_WRAPPERS',
               'WEIGHT_INITIALIZERS', 'DefaultScope')
_INITS = ('constant_init', 'normal_init', 'trunc_normal_init', 'xavier_init', 'kaiming_init',
          'uniform_init', 'trunc_normal_')
_SCHEDULERS = ('ConstantLR', 'CosineAnnealingLR', 'CosineRestartLR', 'ExponentialLR', 'LinearLR',
               'MultiStepLR', 'OneCycleLR', 'PolyLR', 'ReduceOnPlateauLR', 'StepLR',
               'ConstantParamScheduler', 'CosineAnnealingParamScheduler',
               'ExponentialParamScheduler', 'LinearParamScheduler', 'MultiStepParamScheduler',
               'PolyParamScheduler', 'StepParamScheduler', 'CosineAnnealingMomentum',
               'LinearMomentum')
_DIST = ('get_dist_info', 'get_rank', 'get_world_size', 'is_distributed', 'is_main_process',
         'master_only', 'barrier', 'all_gather_object', 'broadcast_object_list',
         'collect_results', 'all_reduce')
_BRICKS = _names('mmcls.models.utils', (
    'ConvModule', 'build_conv_layer', 'build_norm_layer', 'build_activation_layer',
    'Conv2dAdaptivePadding', 'Swish', 'HSwish', 'HSigmoid', 'DropPath', 'build_dropout',
    'fuse_conv_bn', *_INITS))

_SEQ_CHECKS = ('is_seq_of', 'is_list_of', 'is_tuple_of')
_IMAGE_OPS = {
    **_names('mmcls.datasets.transforms.image_io', ('imread', 'imfrombytes')),
    **_names('mmcls.datasets.transforms.image_geometry', (
        'imresize', 'imrescale', 'rescale_size', 'imcrop', 'impad', 'impad_to_multiple', 'imflip',
        'imrotate', 'imshear', 'imtranslate')),
    **_names('mmcls.datasets.transforms.photometric', (
        'bgr2gray', 'gray2bgr', 'adjust_brightness', 'adjust_contrast', 'adjust_color',
        'adjust_sharpness', 'adjust_hue', 'adjust_lighting', 'auto_contrast', 'imequalize',
        'iminvert', 'solarize', 'posterize')),
}
# MMEngine re-exports torch's private norm/conv/pool bases for isinstance checks
_TORCH_BASES = {
    **_names('torch.nn.modules.batchnorm', ('_BatchNorm', )),
    **_names('torch.nn.modules.instancenorm', ('_InstanceNorm', )),
    **_names('torch.nn.modules.conv', ('_ConvNd', '_ConvTransposeMixin')),
    **_names('torch.nn.modules.pooling', ('_AdaptiveAvgPoolNd', '_AdaptiveMaxPoolNd',
                                          '_AvgPoolNd', '_MaxPoolNd')),
    **_names('torch.nn', ('SyncBatchNorm', )),
}

# alias module -> {attribute: the module it is read from (mmcls's own, or torch for the
# private torch bases MMEngine re-exports)}
ALIASES: Dict[str, Dict[str, str]] = {
    'mmengine': {
        **_names('mmcls.config', ('Config', 'ConfigDict', 'DictAction')),
        **_names('mmcls.registry', _REGISTRIES),
        **_names('mmcls.version', ('digit_version', )),
        **_names('mmcls.core', ('print_log', 'MessageHub', 'MMLogger')),
        **_names('mmcls.utils', _SEQ_CHECKS),
    },
    'mmengine.config': _names('mmcls.config', ('Config', 'ConfigDict', 'DictAction')),
    'mmengine.registry': _names('mmcls.registry', _REGISTRIES),
    'mmengine.structures': _names('mmcls.structures', ('BaseDataElement', 'LabelData')),
    'mmengine.model': {
        **_names('mmcls.models.utils', (
            'BaseModule', 'BaseDataPreprocessor', 'Sequential', 'ModuleList', 'ModuleDict',
            'stack_batch', 'initialize',
            'BaseInit', 'PretrainedInit', *_INITS)),
        **_names('mmcls.models', ('BaseModel', )),
        **_names('mmcls.core', ('BaseAveragedModel', 'ExponentialMovingAverage',
                                'MomentumAnnealingEMA', 'StochasticWeightAverage',
                                'MMDistributedDataParallel', 'is_model_wrapper')),
    },
    'mmengine.optim': {
        **_names('mmcls.engine.optimizers', ('OptimWrapper', 'AmpOptimWrapper',
                                             'OptimWrapperDict',
                                             'DefaultOptimWrapperConstructor',
                                             'build_optim_wrapper')),
        **_names('mmcls.engine.schedulers', _SCHEDULERS),
    },
    'mmengine.dist': {**_names('mmcls.utils.dist', _DIST), **_names('mmcls.core', ('init_dist', ))},
    'mmengine.logging': _names('mmcls.core', ('MessageHub', 'HistoryBuffer', 'LogProcessor',
                                              'print_log', 'MMLogger')),
    'mmengine.runner': {
        **_names('mmcls.runner', ('Runner', 'BaseLoop', 'EpochBasedTrainLoop',
                                  'IterBasedTrainLoop', 'ValLoop', 'TestLoop')),
        **_names('mmcls.core', ('CheckpointLoader', 'load_checkpoint', 'save_checkpoint',
                                'load_state_dict', 'get_state_dict', 'weights_to_cpu',
                                'set_random_seed', 'LogProcessor')),
    },
    'mmengine.hooks': _names('mmcls.engine.hooks', (
        'Hook', 'CheckpointHook', 'LoggerHook', 'IterTimerHook', 'DistSamplerSeedHook',
        'ParamSchedulerHook', 'RuntimeInfoHook', 'EMAHook', 'EmptyCacheHook',
        'SyncBuffersHook')),
    'mmengine.utils': {**_names('mmcls.version', ('digit_version', )),
                       **_names('mmcls.models.utils', ('to_2tuple', 'to_ntuple')),
                       **_names('mmcls.utils', _SEQ_CHECKS)},
    'mmengine.utils.dl_utils': {},
    'mmengine.utils.dl_utils.parrots_wrapper': _TORCH_BASES,
    'mmengine.dataset': {
        **_names('mmcls.datasets', ('BaseDataset', 'ConcatDataset', 'RepeatDataset',
                                    'ClassBalancedDataset', 'Compose', 'DefaultSampler',
                                    'InfiniteSampler', 'default_collate', 'pseudo_collate')),
    },
    'mmengine.dataset.utils': _names('mmcls.datasets', ('default_collate', 'pseudo_collate')),
    'mmengine.evaluator': _names('mmcls.evaluation', ('Evaluator', 'BaseMetric')),
    'mmengine.testing': _names('mmcls.utils.testing', ('assert_allclose', )),
    'mmcv': _IMAGE_OPS,
    'mmcv.image': _IMAGE_OPS,
    'mmcv.cnn': _BRICKS,
    'mmcv.cnn.bricks': _BRICKS,
    'mmcv.transforms': {
        **_names('mmcls.datasets.transforms', (
            'BaseTransform', 'Compose', 'LoadImageFromFile', 'Resize', 'RandomResize',
            'RandomChoiceResize', 'CenterCrop', 'RandomFlip', 'RandomGrayscale', 'RandomApply',
            'RandomChoice', 'Normalize', 'Pad', 'ToTensor', 'ImageToTensor', 'to_tensor',
            'KeyMapper', 'TransformBroadcaster', 'cache_randomness')),
        **_names('mmcls.registry', ('TRANSFORMS', )),
    },
}


def _children(module_name: str, modules: Iterable[str]) -> List[str]:
    prefix = module_name + '.'
    return sorted(m[len(prefix):] for m in modules
                  if m.startswith(prefix) and '.' not in m[len(prefix):])


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds and builds the alias modules of the top-level packages it was given."""

    def __init__(self, tops: Iterable[str]) -> None:
        self.tops = frozenset(tops)
        self.modules = {name: ALIASES[name] for name in ALIASES
                        if name.partition('.')[0] in self.tops}

    def find_spec(self, fullname: str, path=None, target=None):
        if fullname not in self.modules:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec):
        return None  # a plain module object

    def exec_module(self, module) -> None:
        name = module.__name__
        sources = self.modules[name]
        children = _children(name, self.modules)
        module.__path__ = []  # a package, so its listed children import
        module.__doc__ = (f'mmcls compatibility alias of {name}: the names below are read '
                          f'from mmcls ({", ".join(sorted(sources)) or "no names"}).')
        module.__all__ = sorted(sources)
        module.__mmcls_compat__ = True

        def __getattr__(attr: str):
            if attr in sources:
                value = getattr(importlib.import_module(sources[attr]), attr)
            elif attr in children:
                value = importlib.import_module(f'{name}.{attr}')
            else:
                raise AttributeError(f'module {name!r} (an mmcls compatibility alias) has no '
                                     f'attribute {attr!r}; install the real package for it')
            setattr(module, attr, value)
            return value

        module.__getattr__ = __getattr__


_finder: Optional[_AliasFinder] = None


def _installed(top: str) -> bool:
    """Whether ``top`` can be imported without the alias finder (or is imported already)."""
    module = sys.modules.get(top)
    if module is not None:
        return not getattr(module, '__mmcls_compat__', False)
    return importlib.util.find_spec(top) is not None


def install() -> List[str]:
    """Alias ``mmengine``/``mmcv`` to mmcls where they are not installed.

    Returns the top-level packages now aliased, sorted (empty when both are installed). Calling it
    again is harmless.
    """
    global _finder
    if _finder is not None:
        return sorted(_finder.tops)
    tops = [top for top in ('mmengine', 'mmcv') if not _installed(top)]
    if tops:
        _finder = _AliasFinder(tops)
        sys.meta_path.append(_finder)
    return sorted(tops)


def is_installed() -> bool:
    """Whether :func:`install` put the alias finder in place."""
    return _finder is not None


def uninstall() -> None:
    """Remove the alias finder and forget the alias modules imported through it."""
    global _finder
    if _finder is None:
        return
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(sys.modules):
        if getattr(sys.modules[name], '__mmcls_compat__', False):
            del sys.modules[name]
    _finder = None

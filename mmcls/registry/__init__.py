"""Every registry of mmcls, in one place (``from mmcls.registry import MODELS``).

Each registry imports the packages in its ``locations`` on first use, so
components are found without the caller importing them, and importing this
module costs nothing.
"""
from .default_scope import DefaultScope
from .registry import KNOWN_SCOPES, BuildError, Registry, build_from_cfg

RUNNERS = Registry('runner', locations=['mmcls.runner'])
RUNNER_CONSTRUCTORS = Registry('runner constructor', locations=['mmcls.runner'])
LOOPS = Registry('loop', locations=['mmcls.runner'])
HOOKS = Registry('hook', locations=['mmcls.engine.hooks'])
LOG_PROCESSORS = Registry('log processor', locations=['mmcls.core'])
MODEL_WRAPPERS = Registry('model wrapper', locations=['mmcls.core'])

DATASETS = Registry('dataset', locations=['mmcls.datasets'])
DATA_SAMPLERS = Registry('data sampler', locations=['mmcls.datasets'])
TRANSFORMS = Registry('transform', locations=['mmcls.datasets.transforms'])
FUNCTIONS = Registry('function', locations=['mmcls.datasets'])

MODELS = Registry('model', locations=['mmcls.models'])
BATCH_AUGMENTS = Registry('batch augment', locations=['mmcls.models'])
WEIGHT_INITIALIZERS = Registry('weight initializer', locations=['mmcls.models'])

OPTIMIZERS = Registry('optimizer', locations=['mmcls.engine.optimizers'])
OPTIM_WRAPPERS = Registry('optim wrapper', locations=['mmcls.engine.optimizers'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor',
                                      locations=['mmcls.engine.optimizers'])
PARAM_SCHEDULERS = Registry('parameter scheduler', locations=['mmcls.engine.schedulers'])

METRICS = Registry('metric', locations=['mmcls.evaluation'])
EVALUATOR = Registry('evaluator', locations=['mmcls.evaluation'])
EVALUATORS = EVALUATOR  # MMClassification 1.x's name

# components models use that are not modules (MMClassification 1.x had it empty)
TASK_UTILS = Registry('task util', locations=['mmcls.models'])

VISUALIZERS = Registry('visualizer', locations=['mmcls.visualization'])
VISBACKENDS = Registry('vis_backend', locations=['mmcls.visualization'])

__all__ = [
    'Registry', 'build_from_cfg', 'BuildError', 'DefaultScope', 'KNOWN_SCOPES', 'RUNNERS',
    'RUNNER_CONSTRUCTORS',
    'LOOPS', 'HOOKS', 'LOG_PROCESSORS', 'MODEL_WRAPPERS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS',
    'FUNCTIONS', 'MODELS', 'BATCH_AUGMENTS', 'WEIGHT_INITIALIZERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR', 'EVALUATORS',
    'TASK_UTILS', 'VISUALIZERS',
    'VISBACKENDS'
]

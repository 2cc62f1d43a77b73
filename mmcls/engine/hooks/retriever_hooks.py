"""PrepareProtoBeforeValLoopHook: recompute a retriever's gallery features.

The encoder changes during training, so the prototype vectors computed from the gallery go stale;
this hook rebuilds them before every validation (and test) loop.
"""
from __future__ import annotations

from torch.utils.data import DataLoader

from mmcls.registry import HOOKS
from mmcls.core.logging import print_log
from mmcls.core.model_wrappers import unwrap_model

from .hook import Hook

__all__ = ['PrepareProtoBeforeValLoopHook']


@HOOKS.register_module()
class PrepareProtoBeforeValLoopHook(Hook):
    """Call the retriever's ``prepare_prototype()`` before the val and test loops.

    A prototype given as a dataloader config is built once with ``runner.build_dataloader`` and
    kept on the model, so that each rank encodes only its shard of the gallery (the retriever
    all-reduces the shards) and the runner's sampler and worker seeding apply.
    """

    @staticmethod
    def _prepare(runner) -> None:
        """Build a dataloader-config prototype, then refresh the model's gallery features.

        It reads nothing from the hook instance, so ``before_val``/``before_test`` may be
        called unbound, as ``PrepareProtoBeforeValLoopHook.before_val(obj, runner)``.
        """
        model = unwrap_model(runner.model)
        if not hasattr(model, 'prepare_prototype'):
            print_log(f'PrepareProtoBeforeValLoopHook: {type(model).__name__} has no '
                      'prepare_prototype(); the hook does nothing', logger='current', level=30)
            return
        prototype = getattr(model, 'prototype', None)
        if isinstance(prototype, dict):
            cfg = dict(prototype)
            cfg.setdefault('sampler', dict(type='DefaultSampler', shuffle=False))
            model.prototype = runner.build_dataloader(cfg, seed=runner.seed)
        elif prototype is not None and not isinstance(prototype, DataLoader):
            # a fixed tensor or file: loading it once is enough
            if getattr(model, 'prototype_inited', False):
                return
        model.prepare_prototype()

    def before_val(self, runner) -> None:
        PrepareProtoBeforeValLoopHook._prepare(runner)

    def before_test(self, runner) -> None:
        PrepareProtoBeforeValLoopHook._prepare(runner)

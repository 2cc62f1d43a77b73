"""EMAHook: keep an exponential moving average of the weights and evaluate on it."""
from __future__ import annotations

import copy
import itertools
import warnings
from typing import Dict, Optional

from mmcls.registry import HOOKS, MODELS
from mmcls.core.averaged_model import BaseAveragedModel
from mmcls.core.checkpoint import load_state_dict
from mmcls.core.logging import print_log
from mmcls.core.model_wrappers import unwrap_model

from .hook import DATA_BATCH, Hook

__all__ = ['EMAHook']


@HOOKS.register_module()
class EMAHook(Hook):
    """Average the model weights during training and validate/test on the average.

    Args:
        ema_type: averaged-model type in MODELS (``ExponentialMovingAverage``,
            ``MomentumAnnealingEMA``, ``StochasticWeightAverage``).
        strict_load: require exact key match when loading EMA weights.
        begin_iter, begin_epoch: start averaging after this iteration/epoch
            (copy the weights before); only one may be set.
        evaluate_on_ema: validate/test on the EMA weights.
        evaluate_on_origin: validate/test on the original weights (both may be
            set: the original model's metrics are logged with an ``_origin`` suffix).
        **kwargs: passed to the averaged model (``momentum``, ``interval``...).

    Saved checkpoints hold the EMA weights in ``state_dict`` (ready to deploy)
    and the original ones in ``ema_state_dict``. Loading such a checkpoint (resume or
    ``load_from``) swaps them back: the EMA model gets the averaged weights, the model its
    original ones. Training after a ``load_from`` (not a resume) then starts the model from
    the averaged weights, the ones the checkpoint was published with.
    """
    priority = 'NORMAL'

    def __init__(self, ema_type: str = 'ExponentialMovingAverage', strict_load: bool = False,
                 begin_iter: int = 0, begin_epoch: int = 0, evaluate_on_ema: bool = True,
                 evaluate_on_origin: bool = False, **kwargs):
        if begin_iter != 0 and begin_epoch != 0:
            raise ValueError('EMAHook: begin_iter and begin_epoch cannot be set at the same time')
        if begin_iter < 0 or begin_epoch < 0:
            raise ValueError('EMAHook: begin_iter and begin_epoch must be >= 0')
        if not evaluate_on_ema and not evaluate_on_origin:
            warnings.warn('EMAHook: evaluate_on_ema and evaluate_on_origin are both False, so '
                          'evaluate_on_origin is set to True; to skip validation, change the '
                          'val_interval of train_cfg instead', UserWarning)
            evaluate_on_origin = True
        self.ema_cfg = dict(type=ema_type, **kwargs)
        self.strict_load = strict_load
        self.begin_iter = begin_iter
        self.begin_epoch = begin_epoch
        self.enabled_by_epoch = begin_epoch > 0
        self.evaluate_on_ema = evaluate_on_ema
        self.evaluate_on_origin = evaluate_on_origin
        self._in_origin_eval = False
        self.load_ema_from_ckpt = False

    def before_run(self, runner) -> None:
        self.src_model = unwrap_model(runner.model)
        self.ema_model: BaseAveragedModel = MODELS.build(
            self.ema_cfg, default_args=dict(model=self.src_model))

    def before_train(self, runner) -> None:
        if self.enabled_by_epoch and self.begin_epoch > runner.max_epochs:
            raise ValueError(f'EMAHook: begin_epoch ({self.begin_epoch}) is beyond max_epochs '
                             f'({runner.max_epochs})')
        if not self.enabled_by_epoch and self.begin_iter > runner.max_iters:
            raise ValueError(f'EMAHook: begin_iter ({self.begin_iter}) is beyond max_iters '
                             f'({runner.max_iters})')
        if self.load_ema_from_ckpt and not runner._resume:
            print_log('EMAHook: the loaded checkpoint has EMA weights and training does not '
                      'resume, so the model starts from the EMA weights', logger='current')
            for p_ema, p_src in self._tensor_pairs():
                p_src.data.copy_(p_ema.data)

    def _ema_started(self, runner) -> bool:
        if self.enabled_by_epoch:
            return runner.epoch + 1 > self.begin_epoch
        return runner.iter + 1 > self.begin_iter

    def after_train_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        if self._ema_started(runner):
            self.ema_model.update_parameters(self.src_model)
        else:
            ema_params = self.ema_model.module.state_dict()
            for key, value in self.src_model.state_dict().items():
                ema_params[key].data.copy_(value.data)

    def _averaged_tensors(self, module):
        """``module``'s parameters, and its buffers when the EMA model averages them; the EMA
        copy and the model list theirs in the same order."""
        if self.ema_model.update_buffers:
            return itertools.chain(module.parameters(), module.buffers())
        return module.parameters()

    def _tensor_pairs(self):
        """(EMA tensor, model tensor) pairs of the averaged tensors."""
        return zip(self._averaged_tensors(self.ema_model.module),
                   self._averaged_tensors(self.src_model))

    def _swap_ema_parameters(self) -> None:
        for p_avg, p_src in self._tensor_pairs():
            tmp = p_avg.data.clone()
            p_avg.data.copy_(p_src.data)
            p_src.data.copy_(tmp)

    def before_val_epoch(self, runner) -> None:
        if self.evaluate_on_ema and not self._in_origin_eval:
            self._swap_ema_parameters()

    def before_test_epoch(self, runner) -> None:
        if self.evaluate_on_ema and not self._in_origin_eval:
            self._swap_ema_parameters()

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._after_eval(runner, 'val')

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._after_eval(runner, 'test')

    def _after_eval(self, runner, mode: str) -> None:
        if self._in_origin_eval:
            return
        if self.evaluate_on_ema:
            self._swap_ema_parameters()
        if self.evaluate_on_ema and self.evaluate_on_origin:
            self._evaluate_origin(runner, mode)

    def _evaluate_origin(self, runner, mode: str) -> None:
        """Run the loop's batches again on the original weights; log ``<metric>_origin``."""
        loop = runner.val_loop if mode == 'val' else runner.test_loop
        self._in_origin_eval = True
        try:
            runner.model.eval()
            for idx, data_batch in enumerate(loop.dataloader):
                loop.run_iter(idx, data_batch)
            origin_metrics = loop.evaluator.evaluate(len(loop.dataloader.dataset))
        finally:
            self._in_origin_eval = False
        for key, value in origin_metrics.items():
            try:
                runner.message_hub.update_scalar(f'{mode}/{key}_origin', value)
            except (TypeError, ValueError):
                continue

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['ema_state_dict'] = self.ema_model.state_dict()
        # Deployable weights go to state_dict: swap the entries, not the live parameters.
        self._swap_ema_state_dict(checkpoint)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """A checkpoint with ``ema_state_dict`` (resumed or only loaded) gives the EMA model its
        averaged weights and the model its original ones; without it the EMA model starts from
        ``state_dict``."""
        if 'ema_state_dict' in checkpoint:
            self._swap_ema_state_dict(checkpoint)
            self.ema_model.load_state_dict(checkpoint['ema_state_dict'], strict=self.strict_load)
            self.load_ema_from_ckpt = True
        else:
            if runner._resume:
                print_log('There is no ema_state_dict in the checkpoint; EMAHook starts the '
                          'average from its state_dict', logger='current', level=30)
            state = checkpoint.get('state_dict', checkpoint)
            state = {k[7:] if k.startswith('module.') else k: v for k, v in state.items()}
            load_state_dict(self.ema_model.module, copy.deepcopy(state), strict=self.strict_load)

    @staticmethod
    def _swap_ema_state_dict(checkpoint: dict) -> None:
        model_state = checkpoint['state_dict']
        ema_state = checkpoint['ema_state_dict']
        for key in ema_state:
            if key.startswith('module.') and key[7:] in model_state:
                ema_state[key], model_state[key[7:]] = model_state[key[7:]], ema_state[key]

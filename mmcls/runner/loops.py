"""Loop controllers: what one ``train()``, ``val()`` or ``test()`` run iterates over.

``EpochBasedTrainLoop`` and ``IterBasedTrainLoop`` drive training and call
validation every ``val_interval`` epochs/iterations; ``ValLoop``/``TestLoop``
run a dataloader through ``model.val_step``/``test_step`` into an evaluator.
"""
from __future__ import annotations

import bisect
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
from torch.utils.data import DataLoader

from mmcls.registry import LOOPS

from mmcls.core.logging import print_log
from mmcls.core.randomness import preserved_rng_state, set_rng_state

__all__ = ['BaseLoop', 'EpochBasedTrainLoop', 'IterBasedTrainLoop', 'ValLoop', 'TestLoop']


class BaseLoop:
    """Holds the runner and builds the loop's dataloader from a dict if needed."""

    def __init__(self, runner, dataloader: Union[DataLoader, Dict]):
        self._runner = runner
        if isinstance(dataloader, dict):
            seed = getattr(runner, 'seed', None)
            diff_rank_seed = runner.randomness_cfg.get('diff_rank_seed', False)
            self.dataloader = runner.build_dataloader(dataloader, seed=seed,
                                                      diff_rank_seed=diff_rank_seed)
        else:
            self.dataloader = dataloader

    @property
    def runner(self):
        return self._runner

    def run(self) -> Any:
        raise TypeError(f'{type(self).__name__} must define run()')


def _dataset_meta(dataloader) -> Optional[dict]:
    return getattr(getattr(dataloader, 'dataset', None), 'metainfo', None)


def _interval_table(dynamic_intervals: Optional[Sequence[Tuple[int, int]]],
                    interval: int) -> Tuple[List[int], List[int]]:
    """Milestones and the validation interval that applies from each."""
    milestones, intervals = [0], [interval]
    for milestone, value in dynamic_intervals or []:
        if milestone <= milestones[-1]:
            raise ValueError(f'dynamic_intervals milestones must increase, got {dynamic_intervals}')
        milestones.append(milestone)
        intervals.append(value)
    return milestones, intervals


class _TrainLoop(BaseLoop):
    """State shared by the train loops: progress counters and the validation schedule.

    Subclasses set ``_max_epochs``/``_max_iters`` and name in ``_progress_counter``
    the counter that ``val_begin``, ``val_interval`` and ``dynamic_intervals`` count.
    """

    _max_epochs: int
    _max_iters: int
    _progress_counter = '_epoch'
    #: whether progress (and the visualization step) is counted in epochs
    by_epoch = False

    def __init__(self, runner, dataloader, val_begin: int, val_interval: int,
                 dynamic_intervals: Optional[Sequence[Tuple[int, int]]]):
        super().__init__(runner, dataloader)
        self._epoch = 0
        self._iter = 0
        self.val_begin = val_begin
        self.val_interval = val_interval
        self.stop_training = False
        self.dynamic_milestones, self.dynamic_intervals = _interval_table(
            dynamic_intervals, val_interval)

    @property
    def max_epochs(self) -> int:
        return self._max_epochs

    @property
    def max_iters(self) -> int:
        return self._max_iters

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def iter(self) -> int:
        return self._iter

    def restore_progress(self, epoch: int, iter: int) -> None:
        """Set the finished epoch and iteration counters (used when resuming a checkpoint)."""
        if epoch < 0 or iter < 0:
            raise ValueError(f'restore_progress: epoch and iter must be >= 0, got {epoch}, {iter}')
        self._epoch = int(epoch)
        self._iter = int(iter)

    @property
    def _progress(self) -> int:
        """Epochs or iterations done, whichever the validation schedule counts."""
        return getattr(self, self._progress_counter)

    def _should_validate(self) -> bool:
        """Whether the loop validates now, after the step that set ``_progress``."""
        return (self.runner.val_loop is not None and self._progress >= self.val_begin
                and self._progress % self.val_interval == 0)

    def _decide_current_val_interval(self) -> None:
        step = bisect.bisect(self.dynamic_milestones, self._progress + 1)
        self.val_interval = self.dynamic_intervals[step - 1]


def _positive_int(value: Any, key: str) -> int:
    """``value`` as an int, which must be >= 1 (``key`` names it in ``train_cfg``)."""
    if int(value) != value or value < 1:
        raise ValueError(f'train_cfg.{key} must be a positive int, got {value}')
    return int(value)


@LOOPS.register_module()
class EpochBasedTrainLoop(_TrainLoop):
    """Train ``max_epochs`` epochs; validate after epoch ``e`` when ``e >= val_begin`` and
    ``e % val_interval == 0`` (``dynamic_intervals=[(epoch, interval), ...]`` changes it)."""

    by_epoch = True

    def __init__(self, runner, dataloader, max_epochs: int, val_begin: int = 1,
                 val_interval: int = 1,
                 dynamic_intervals: Optional[Sequence[Tuple[int, int]]] = None):
        super().__init__(runner, dataloader, val_begin, val_interval, dynamic_intervals)
        self._max_epochs = _positive_int(max_epochs, 'max_epochs')
        self._max_iters = self._max_epochs * len(self.dataloader)
        meta = _dataset_meta(self.dataloader)
        if meta is None:
            print_log(f'Dataset {type(self.dataloader.dataset).__name__} has no metainfo; '
                      f'dataset_meta in the visualizer will be None', logger='current', level=30)

    def run(self):
        self.runner.call_hook('before_train')
        while self._epoch < self._max_epochs and not self.stop_training:
            self.run_epoch()
            self._decide_current_val_interval()
            if self._should_validate():
                self.runner.val_loop.run()
        self.runner.call_hook('after_train')
        return self.runner.model

    def run_epoch(self) -> None:
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def run_iter(self, idx: int, data_batch: Any) -> None:
        self.runner.call_hook('before_train_iter', batch_idx=idx, data_batch=data_batch)
        outputs = self.runner.model.train_step(data_batch, optim_wrapper=self.runner.optim_wrapper)
        self.runner.call_hook('after_train_iter', batch_idx=idx, data_batch=data_batch,
                              outputs=outputs)
        self._iter += 1


class _InfiniteDataloaderIterator:
    """Iterate a dataloader forever, starting a new epoch (``sampler.set_epoch``) when it ends."""

    def __init__(self, dataloader: DataLoader):
        self._dataloader = dataloader
        self._iterator = iter(dataloader)
        self._epoch = 0

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._iterator)
        except StopIteration:
            self._epoch += 1
            sampler = getattr(self._dataloader, 'sampler', None)
            if hasattr(sampler, 'set_epoch'):
                sampler.set_epoch(self._epoch)
            batch_sampler = getattr(self._dataloader, 'batch_sampler', None)
            inner = getattr(batch_sampler, 'sampler', None)
            if inner is not sampler and hasattr(inner, 'set_epoch'):
                inner.set_epoch(self._epoch)
            self._iterator = iter(self._dataloader)
            return next(self._iterator)


@LOOPS.register_module()
class IterBasedTrainLoop(_TrainLoop):
    """Train ``max_iters`` iterations; validate every ``val_interval`` iterations from ``val_begin``.

    On resume, the dataloader is advanced past the batches already trained on,
    then the RNG states saved with the checkpoint are restored, so the run
    continues with the same batches and random draws.
    """

    _progress_counter = '_iter'

    def __init__(self, runner, dataloader, max_iters: int, val_begin: int = 1,
                 val_interval: int = 1000,
                 dynamic_intervals: Optional[Sequence[Tuple[int, int]]] = None):
        super().__init__(runner, dataloader, val_begin, val_interval, dynamic_intervals)
        self._max_iters = _positive_int(max_iters, 'max_iters')
        self._max_epochs = 1
        self.dataloader_iterator: Optional[_InfiniteDataloaderIterator] = None
        self.pending_rng_state: Optional[dict] = None

    def run(self):
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        self.dataloader_iterator = _InfiniteDataloaderIterator(self.dataloader)
        if self._iter > 0:
            print_log(f'Advance dataloader {self._iter} steps to skip data that has already '
                      f'been trained', logger='current')
            for _ in range(self._iter):
                next(self.dataloader_iterator)
        if self.pending_rng_state is not None:
            set_rng_state(self.pending_rng_state)
            self.pending_rng_state = None
        self.runner.model.train()
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if self._should_validate():
                self.runner.val_loop.run()
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

    def run_iter(self, data_batch: Any) -> None:
        self.runner.call_hook('before_train_iter', batch_idx=self._iter, data_batch=data_batch)
        outputs = self.runner.model.train_step(data_batch, optim_wrapper=self.runner.optim_wrapper)
        self.runner.call_hook('after_train_iter', batch_idx=self._iter, data_batch=data_batch,
                              outputs=outputs)
        self._iter += 1


class _EvalLoop(BaseLoop):
    """Shared body of ``ValLoop`` and ``TestLoop``: step, feed the evaluator, evaluate."""
    mode = 'val'

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False):
        super().__init__(runner, dataloader)
        self.evaluator = runner.build_evaluator(evaluator)
        meta = _dataset_meta(self.dataloader)
        if meta is not None and hasattr(self.evaluator, 'dataset_meta'):
            self.evaluator.dataset_meta = meta
        elif meta is None:
            print_log(f'Dataset {type(self.dataloader.dataset).__name__} has no metainfo; '
                      f'dataset_meta of the evaluator is not set', logger='current', level=30)
        self.fp16 = fp16

    def run(self) -> Dict[str, Any]:
        # Evaluation must not shift the training random stream (resumed runs skip it).
        with preserved_rng_state():
            return self._run()

    def _run(self) -> Dict[str, Any]:
        mode = self.mode
        self.runner.call_hook(f'before_{mode}')
        self.runner.call_hook(f'before_{mode}_epoch')
        self.runner.model.eval()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        self.runner.call_hook(f'after_{mode}_epoch', metrics=metrics)
        self.runner.call_hook(f'after_{mode}')
        return metrics

    @torch.no_grad()
    def run_iter(self, idx: int, data_batch: Any) -> None:
        mode = self.mode
        self.runner.call_hook(f'before_{mode}_iter', batch_idx=idx, data_batch=data_batch)
        device_type = 'cuda' if torch.cuda.is_available() else 'cpu'
        with torch.autocast(device_type=device_type, enabled=self.fp16):
            step = self.runner.model.val_step if mode == 'val' else self.runner.model.test_step
            outputs = step(data_batch)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook(f'after_{mode}_iter', batch_idx=idx, data_batch=data_batch,
                              outputs=outputs)


@LOOPS.register_module()
class ValLoop(_EvalLoop):
    """Validation: ``model.val_step`` on every batch, then ``evaluator.evaluate``."""
    mode = 'val'


@LOOPS.register_module()
class TestLoop(_EvalLoop):
    """Test: ``model.test_step`` on every batch, then ``evaluator.evaluate``."""
    mode = 'test'

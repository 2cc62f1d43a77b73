"""MultiTaskHead: several classification heads on one shared feature, one per task.

A sample may be labelled for only some tasks: a task's loss uses the samples labelled for it,
and predictions mark the other samples with ``eval_mask=False`` so that ``MultiTasksMetric``
skips them.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from mmcls.structures import BaseDataElement, ClsDataSample
from mmcls.structures.multi_task_data_sample import MultiTaskDataSample
from .base_head import BaseHead

__all__ = ['MultiTaskHead', 'loss_convertor']


def _select_rows(inputs, mask: torch.Tensor):
    """``inputs`` (a tensor or nested sequence of tensors) restricted to the rows of ``mask``."""
    if isinstance(inputs, torch.Tensor):
        return inputs[mask.to(inputs.device)]
    return type(inputs)(_select_rows(item, mask) for item in inputs)


def loss_convertor(loss_func, task_name: str):
    """Wrap one task's ``loss_func(inputs, data_samples, **kwargs)`` for multi-task batches.

    The wrapper keeps the ``MultiTaskDataSample``s that hold ``task_name``, passes their task
    samples and the matching rows of ``inputs`` to ``loss_func`` and adds ``mask_size`` (the
    number of rows kept) to its loss dict; with no such sample it returns zero loss and size.
    """

    def wrapped(inputs, data_samples, **kwargs):
        for sample in data_samples:
            if not isinstance(sample, MultiTaskDataSample):
                raise TypeError(f'loss_convertor expects MultiTaskDataSample, got {type(sample)}')
        mask = torch.tensor([task_name in sample for sample in data_samples], dtype=torch.bool)
        if not mask.any():
            return {'loss': torch.tensor(0.), 'mask_size': torch.tensor(0.)}
        task_samples = [sample.get(task_name) for sample in data_samples if task_name in sample]
        losses = loss_func(_select_rows(inputs, mask), task_samples, **kwargs)
        losses['mask_size'] = mask.sum().to(torch.float)
        return losses

    return wrapped


def _build_head(cfg: Union[dict, nn.Module], common: dict, task: str) -> nn.Module:
    if isinstance(cfg, nn.Module):
        return cfg
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f'MultiTaskHead: task_heads[{task!r}] must be a head config with a '
                        f'"type" or a module, got {cfg!r}')
    cfg = dict(cfg)
    if cfg['type'] in ('MultiTaskHead', MultiTaskHead):
        cfg.update({k: v for k, v in common.items() if k not in cfg})
    else:
        for key, value in common.items():
            cfg.setdefault(key, value)
    return MODELS.build(cfg)


@MODELS.register_module()
class MultiTaskHead(BaseHead):
    """One head per task; losses and predictions are keyed by task name.

    Args:
        task_heads: task name -> head config (a nested ``MultiTaskHead`` groups sub-tasks).
        init_cfg: weight initialisation config.
        **kwargs: arguments shared by every task head (e.g. ``in_channels``); a task's own
            config wins over them.
    """

    def __init__(self, task_heads: Dict[str, Union[dict, nn.Module]],
                 init_cfg: Optional[dict] = None, **kwargs) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(task_heads, dict) or not task_heads:
            raise ValueError('MultiTaskHead: task_heads must be a non-empty dict of task name -> '
                             f'head config, got {task_heads!r}')
        self.task_heads = nn.ModuleDict(
            {task: _build_head(cfg, kwargs, task) for task, cfg in task_heads.items()})

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> Dict[str, torch.Tensor]:
        """Each task head's output on the shared features."""
        return {task: head(feats) for task, head in self.task_heads.items()}

    def loss(self, feats: Tuple[torch.Tensor, ...],
             data_samples: Sequence[BaseDataElement], **kwargs) -> dict:
        """``{'<task>_<loss name>': ...}`` over the samples labelled for each task.

        Each task also reports ``'<task>_mask_size'``, the number of samples of the batch
        labelled for it (a float tensor; not a loss, so it is only logged). A task no sample
        of the batch is labelled for gets a zero loss that still touches its parameters, so
        that distributed training sees every parameter used.
        """
        feats = feats if isinstance(feats, (tuple, list)) else (feats, )
        losses = {}
        for task, head in self.task_heads.items():
            index = [i for i, sample in enumerate(data_samples) if _has_task(sample, task)]
            losses[f'{task}_mask_size'] = torch.tensor(float(len(index)),
                                                       device=feats[-1].device)
            if not index:
                losses[f'{task}_loss'] = sum(p.sum() * 0. for p in head.parameters()) + \
                    feats[-1].sum() * 0.
                continue
            rows = torch.tensor(index, device=feats[-1].device)
            task_feats = tuple(f.index_select(0, rows) for f in feats)
            task_samples = [data_samples[i].get(task) for i in index]
            for name, value in head.loss(task_feats, task_samples, **kwargs).items():
                losses[f'{task}_{name}'] = value
        return losses

    def predict(self, feats: Tuple[torch.Tensor, ...],
                data_samples: Optional[Sequence[Optional[BaseDataElement]]] = None
                ) -> List[MultiTaskDataSample]:
        """One ``MultiTaskDataSample`` per image with each task head's prediction.

        A task sample gets ``eval_mask=True`` when the input sample was labelled for that task,
        ``False`` otherwise (including when no data samples are given).
        """
        feats = feats if isinstance(feats, (tuple, list)) else (feats, )
        size = feats[-1].size(0)
        if data_samples is None:
            data_samples = [None] * size
        results = [_as_multi_task(sample) for sample in data_samples]
        for task, head in self.task_heads.items():
            task_samples = []
            for sample in results:
                labelled = _has_task(sample, task)
                task_sample = sample.get(task) if task in sample else None
                if task_sample is None:
                    task_sample = (MultiTaskDataSample if isinstance(head, MultiTaskHead)
                                   else ClsDataSample)(metainfo=sample.metainfo)
                task_sample.set_field(labelled, 'eval_mask', field_type='metainfo')
                task_samples.append(task_sample)
            for sample, predicted in zip(results, head.predict(feats, task_samples)):
                sample.set_field(predicted, task)
        return results


def _has_task(sample: Optional[BaseDataElement], task: str) -> bool:
    """Whether ``sample`` carries ground truth for ``task``."""
    if sample is None or task not in sample:
        return False
    task_sample = sample.get(task)
    if isinstance(task_sample, ClsDataSample):
        return 'gt_label' in task_sample
    return isinstance(task_sample, BaseDataElement) and len(task_sample.keys()) > 0


def _as_multi_task(sample: Optional[BaseDataElement]) -> MultiTaskDataSample:
    """The sample as a ``MultiTaskDataSample`` (same fields; a fresh one for ``None``)."""
    if sample is None:
        return MultiTaskDataSample()
    if isinstance(sample, MultiTaskDataSample):
        return sample
    converted = MultiTaskDataSample(metainfo=sample.metainfo)
    converted.set_data(dict(sample.items()))
    return converted

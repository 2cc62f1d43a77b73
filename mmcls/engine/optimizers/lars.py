"""LARS: SGD with a layer-wise learning rate, for very large batches.

"Large Batch Training of Convolutional Networks" (You et al.).  Each
parameter tensor's step is scaled by the local rate
``eta * ||w|| / (||g|| + weight_decay * ||w|| + eps)``, so layers whose
gradients are large relative to their weights move cautiously.  Groups with
``lars_exclude=True`` (typically norms and biases) use a local rate of 1.
"""
from __future__ import annotations

from typing import Callable, Iterable, Optional

import torch
from torch.optim import Optimizer

from mmcls.registry import OPTIMIZERS

from ._step_utils import evaluate_closure


@OPTIMIZERS.register_module()
class LARS(Optimizer):
    """LARS optimizer.

    Args:
        params: parameters or param-group dicts (a group may set
            ``lars_exclude=True``).
        lr: base learning rate.
        momentum: momentum factor.
        weight_decay: L2 penalty added to the gradient.
        dampening: dampening of the momentum.
        eta: LARS trust coefficient.
        nesterov: use Nesterov momentum.
        eps: added to the local-rate denominator.
    """

    def __init__(self,
                 params: Iterable,
                 lr: float,
                 momentum: float = 0,
                 weight_decay: float = 0,
                 dampening: float = 0,
                 eta: float = 0.001,
                 nesterov: bool = False,
                 eps: float = 1e-8):
        if lr < 0:
            raise ValueError(f'LARS: lr must be >= 0, got {lr}')
        if momentum < 0:
            raise ValueError(f'LARS: momentum must be >= 0, got {momentum}')
        if weight_decay < 0:
            raise ValueError(f'LARS: weight_decay must be >= 0, got {weight_decay}')
        if eta < 0:
            raise ValueError(f'LARS: eta must be >= 0, got {eta}')
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError('LARS: nesterov needs momentum > 0 and dampening = 0')
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, eta=eta)
        self.eps = eps
        super().__init__(params, defaults)

    def _local_lr(self, param: torch.Tensor, grad: torch.Tensor, group: dict) -> float:
        if group.get('lars_exclude', False):
            return 1.0
        w_norm = torch.linalg.vector_norm(param).item()
        g_norm = torch.linalg.vector_norm(grad).item()
        if w_norm == 0 or g_norm == 0:
            return 1.0
        return group['eta'] * w_norm / (g_norm + group['weight_decay'] * w_norm + self.eps)

    @torch.no_grad()
    def step(self, closure: Optional[Callable] = None):
        """Perform one optimisation step; ``closure`` re-evaluates the loss."""
        loss = evaluate_closure(closure)
        for group in self.param_groups:
            momentum, dampening = group['momentum'], group['dampening']
            for p in group['params']:
                if p.grad is None:
                    continue
                actual_lr = self._local_lr(p, p.grad, group) * group['lr']
                d_p = p.grad.add(p, alpha=group['weight_decay']).mul_(actual_lr)
                if momentum != 0:
                    state = self.state[p]
                    if 'momentum_buffer' not in state:
                        buf = state['momentum_buffer'] = d_p.clone()
                    else:
                        buf = state['momentum_buffer']
                        buf.mul_(momentum).add_(d_p, alpha=1 - dampening)
                    d_p = d_p.add(buf, alpha=momentum) if group['nesterov'] else buf
                p.sub_(d_p)
        return loss


__all__ = ['LARS']

"""LAMB: Adam with a per-layer trust ratio, for large-batch training.

"Large Batch Optimization for Deep Learning: Training BERT in 76 minutes"
(You et al.).  This is the NVLAMB variant:
the global gradient norm is first clipped to ``max_grad_norm``, then each
parameter's Adam update (plus decoupled weight decay) is rescaled by
``||w|| / ||update||``.  Defaults: ``eps=1e-6``,
``weight_decay=0.01``.
"""
from __future__ import annotations

import math
from typing import Callable, Iterable, Optional, Tuple

import torch
from torch.optim import Optimizer

from mmcls.registry import OPTIMIZERS

from ._step_utils import evaluate_closure, global_grad_norm


@OPTIMIZERS.register_module()
class Lamb(Optimizer):
    """LAMB optimizer.

    Args:
        params: parameters or param-group dicts.
        lr: learning rate.
        bias_correction: divide the moments by ``1 - beta ** step``.
        betas: decay rates of the first and second moments.
        eps: added to the denominator for stability.
        weight_decay: decoupled weight decay, added to the update before
            the trust ratio is applied.
        grad_averaging: weight the gradient by ``1 - beta1`` in the first
            moment (``False`` adds it unweighted).
        max_grad_norm: the global gradient norm (over all groups) is scaled
            down to this value when larger.
        trust_clip: clip the trust ratio at 1 (LAMBC).
        always_adapt: apply the trust ratio to parameters without weight
            decay too (by default they get a plain Adam step).
    """

    def __init__(self,
                 params: Iterable,
                 lr: float = 1e-3,
                 bias_correction: bool = True,
                 betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-6,
                 weight_decay: float = 0.01,
                 grad_averaging: bool = True,
                 max_grad_norm: Optional[float] = 1.0,
                 trust_clip: bool = False,
                 always_adapt: bool = False):
        if lr < 0:
            raise ValueError(f'Lamb: lr must be >= 0, got {lr}')
        if not all(0 <= b < 1 for b in betas):
            raise ValueError(f'Lamb: betas must be in [0, 1), got {betas}')
        defaults = dict(lr=lr, bias_correction=bias_correction, betas=betas, eps=eps,
                        weight_decay=weight_decay, grad_averaging=grad_averaging,
                        max_grad_norm=max_grad_norm, trust_clip=trust_clip,
                        always_adapt=always_adapt)
        super().__init__(params, defaults)

    def _grad_scale(self) -> torch.Tensor:
        """Factor dividing every gradient so the global norm is <= max_grad_norm."""
        norm = global_grad_norm(self.param_groups)
        if norm is None:
            return torch.tensor(1.0)
        max_norm = self.defaults['max_grad_norm']
        if max_norm is None or max_norm <= 0:
            return torch.ones_like(norm)
        return torch.clamp(norm / max_norm, min=1.0)

    @torch.no_grad()
    def step(self, closure: Optional[Callable] = None):
        """Perform one optimisation step; ``closure`` re-evaluates the loss."""
        loss = evaluate_closure(closure)
        grad_scale = self._grad_scale()
        for group in self.param_groups:
            beta1, beta2 = group['betas']
            beta3 = 1 - beta1 if group['grad_averaging'] else 1.0
            for p in group['params']:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError('Lamb does not support sparse gradients')
                grad = p.grad / grad_scale.to(p.grad.device)
                state = self.state[p]
                if not state:
                    state['step'] = 0
                    state['exp_avg'] = torch.zeros_like(p)
                    state['exp_avg_sq'] = torch.zeros_like(p)
                state['step'] += 1
                exp_avg, exp_avg_sq = state['exp_avg'], state['exp_avg_sq']
                exp_avg.mul_(beta1).add_(grad, alpha=beta3)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                if group['bias_correction']:
                    correction1 = 1 - beta1 ** state['step']
                    correction2 = 1 - beta2 ** state['step']
                else:
                    correction1 = correction2 = 1.0
                denom = (exp_avg_sq.sqrt() / math.sqrt(correction2)).add_(group['eps'])
                update = (exp_avg / correction1).div_(denom)
                if group['weight_decay'] != 0:
                    update.add_(p, alpha=group['weight_decay'])
                if group['weight_decay'] != 0 or group['always_adapt']:
                    update.mul_(self._trust_ratio(p, update, group['trust_clip']))
                p.add_(update, alpha=-group['lr'])
        return loss

    @staticmethod
    def _trust_ratio(param: torch.Tensor, update: torch.Tensor, clip: bool) -> torch.Tensor:
        """``||w|| / ||update||`` (1 when either is zero), at most 1 with ``clip``."""
        w_norm = torch.linalg.vector_norm(param)
        u_norm = torch.linalg.vector_norm(update)
        one = torch.ones_like(w_norm)
        ratio = torch.where((w_norm > 0) & (u_norm > 0), w_norm / u_norm, one)
        return torch.minimum(ratio, one) if clip else ratio


__all__ = ['Lamb']

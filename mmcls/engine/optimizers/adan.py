"""Adan: adaptive Nesterov momentum.

"Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep
Models" (Xie et al.).  Besides Adam's two moments, Adan keeps a moving
average of the gradient *difference* between steps (a Nesterov look-ahead
estimate) and uses ``g + beta2 * (g - g_prev)`` in the second moment.
Weight decay is applied as a proximal step (``no_prox=False``) or decoupled
like AdamW (``no_prox=True``).  ``betas`` follow the reference code:
``(0.98, 0.92, 0.99)`` weight the *old* averages.
"""
from __future__ import annotations

import math
from typing import Callable, Iterable, Optional, Tuple

import torch
from torch.optim import Optimizer

from mmcls.registry import OPTIMIZERS

from ._step_utils import evaluate_closure, global_grad_norm


@OPTIMIZERS.register_module()
class Adan(Optimizer):
    """Adan optimizer.

    Args:
        params: parameters or param-group dicts.
        lr: learning rate.
        betas: decay rates of the gradient average, the gradient-difference
            average and the second moment.
        eps: added to the denominator.
        weight_decay: weight decay (proximal unless ``no_prox``).
        max_grad_norm: if > 0, gradients are scaled so their global norm is
            at most this value.
        no_prox: apply weight decay as ``w *= 1 - lr * wd`` before the step
            instead of ``w /= 1 + lr * wd`` after it.
        foreach: accepted for config compatibility with the reference
            implementation; the update is computed per tensor either way.
    """

    def __init__(self,
                 params: Iterable,
                 lr: float = 1e-3,
                 betas: Tuple[float, float, float] = (0.98, 0.92, 0.99),
                 eps: float = 1e-8,
                 weight_decay: float = 0.0,
                 max_grad_norm: float = 0.0,
                 no_prox: bool = False,
                 foreach: bool = True):
        if lr < 0:
            raise ValueError(f'Adan: lr must be >= 0, got {lr}')
        if len(betas) != 3 or not all(0 <= b < 1 for b in betas):
            raise ValueError(f'Adan: betas must be three values in [0, 1), got {betas}')
        if max_grad_norm < 0:
            raise ValueError(f'Adan: max_grad_norm must be >= 0, got {max_grad_norm}')
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        max_grad_norm=max_grad_norm, no_prox=no_prox, foreach=foreach)
        super().__init__(params, defaults)

    def _grad_factor(self) -> float:
        """Multiplier bringing the global gradient norm under ``max_grad_norm``."""
        max_norm = self.defaults['max_grad_norm']
        if max_norm <= 0:
            return 1.0
        norm = global_grad_norm(self.param_groups)
        if norm is None:
            return 1.0
        return min(max_norm / (norm.item() + self.defaults['eps']), 1.0)

    def _reset_moments(self, param: torch.Tensor) -> None:
        """Zero the step count and the three moving averages of ``param``."""
        state = self.state[param]
        state['step'] = 0
        for key in ('exp_avg', 'exp_avg_sq', 'exp_avg_diff'):
            state[key] = torch.zeros_like(param)

    def restart_opt(self) -> None:
        """Restart the optimiser: bias correction starts over from step 0 and the moving
        averages from zero (the previous gradient is kept for the next difference)."""
        for group in self.param_groups:
            for param in group['params']:
                if param.requires_grad and self.state[param]:
                    self._reset_moments(param)

    @torch.no_grad()
    def step(self, closure: Optional[Callable] = None):
        """Perform one optimisation step; ``closure`` re-evaluates the loss."""
        loss = evaluate_closure(closure)
        factor = self._grad_factor()
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is not None:
                    self._update(p, p.grad * factor, group)
        return loss

    def _update(self, param: torch.Tensor, grad: torch.Tensor, group: dict) -> None:
        beta1, beta2, beta3 = group['betas']
        lr, wd = group['lr'], group['weight_decay']
        state = self.state[param]
        if not state:
            self._reset_moments(param)
            state['pre_grad'] = grad.clone()  # first step: zero difference
        state['step'] += 1
        step = state['step']
        diff = grad - state['pre_grad']
        state['exp_avg'].mul_(beta1).add_(grad, alpha=1 - beta1)
        state['exp_avg_diff'].mul_(beta2).add_(diff, alpha=1 - beta2)
        nesterov_grad = grad + beta2 * diff
        state['exp_avg_sq'].mul_(beta3).addcmul_(nesterov_grad, nesterov_grad, value=1 - beta3)
        denom = (state['exp_avg_sq'].sqrt() / math.sqrt(1 - beta3 ** step)).add_(group['eps'])
        update = (state['exp_avg'] / (1 - beta1 ** step)
                  + beta2 * state['exp_avg_diff'] / (1 - beta2 ** step)).div_(denom)
        if group['no_prox']:
            param.mul_(1 - lr * wd)
            param.add_(update, alpha=-lr)
        else:
            param.add_(update, alpha=-lr)
            param.div_(1 + lr * wd)
        state['pre_grad'].copy_(grad)


__all__ = ['Adan']

"""checkpointed: the same numbers as a plain call, recomputation only when it can pay off."""
import torch
import torch.nn as nn

from mmcls.models.utils.grad_checkpoint import checkpointed


class CountingBlock(nn.Module):
    """A small residual block that counts how often its forward runs."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.calls = 0

    def forward(self, x: torch.Tensor, scale: float = 1.) -> torch.Tensor:
        self.calls += 1
        return x + scale * torch.tanh(self.fc(x))


def grads(with_cp: bool):
    torch.manual_seed(0)
    block = CountingBlock()
    x = torch.randn(3, 4, requires_grad=True)
    out = checkpointed(block, x, 0.5, with_cp=with_cp)
    out.pow(2).sum().backward()
    return block, out.detach(), x.grad, block.fc.weight.grad


def test_checkpointing_recomputes_in_backward_with_the_same_gradients():
    plain, out, x_grad, w_grad = grads(with_cp=False)
    ckpt, out_cp, x_grad_cp, w_grad_cp = grads(with_cp=True)
    assert plain.calls == 1 and ckpt.calls == 2  # forward once more during backward
    torch.testing.assert_close(out_cp, out)
    torch.testing.assert_close(x_grad_cp, x_grad)
    torch.testing.assert_close(w_grad_cp, w_grad)


def test_no_checkpoint_without_an_input_that_needs_gradients():
    block = CountingBlock()
    out = checkpointed(block, torch.randn(3, 4), with_cp=True)
    out.sum().backward()  # gradients reach the weights through a plain call
    assert block.calls == 1 and block.fc.weight.grad is not None
    with torch.no_grad():
        checkpointed(block, torch.randn(3, 4, requires_grad=True), with_cp=True)
    assert block.calls == 2


def test_any_tensor_input_that_needs_gradients_enables_checkpointing():
    features = [torch.randn(2, 2), torch.randn(2, 2, requires_grad=True)]
    calls = []

    def product(a, b):
        calls.append(1)
        return a * b  # saves its inputs, so backward must recompute them

    checkpointed(product, *features, with_cp=True).sum().backward()
    assert len(calls) == 2
    assert torch.equal(features[1].grad, features[0])

"""DDP and FSDP under ``torchrun`` with 2 gloo processes on CPU: the mean loss over the ranks
equals one process on the same global batch, runs resume from their (sharded) checkpoints,
and a sharded checkpoint exports to a plain state dict."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from dist_train_script import tiny_vit
from test_distributed import _free_port

from mmcls.core.checkpoint import CheckpointError
from mmcls.core.fsdp import (MMFullyShardedDataParallel, _resolve_block_classes,
                             find_block_classes, mixed_precision_dtypes)
from mmcls.runner.sharded_checkpoint import export_full_state_dict

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(HERE))
SCRIPT = osp.join(HERE, 'dist_train_script.py')


def _run_script(work_dir, *args, nproc=2):
    # TORCHINDUCTOR_COMPILE_THREADS=1: inductor compiles inside each rank instead of starting
    # a pool of compile workers per rank (lighter on 2 cores; under load a rank with a worker
    # pool was once seen to abort with "terminate called without an active exception")
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
               TORCHINDUCTOR_COMPILE_THREADS='1',
               PYTHONPATH=os.pathsep.join([ROOT, os.environ.get('PYTHONPATH', '')]))
    cmd = [sys.executable, SCRIPT, str(work_dir), *args]
    if nproc > 1:
        cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', str(nproc),
               '--master_port', str(_free_port()), *cmd[1:]]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc.stdout


def _losses(work_dir, tag, world_size=2):
    per_rank = []
    for rank in range(world_size):
        with open(osp.join(work_dir, f'losses_{tag}_rank{rank}.json'), encoding='utf-8') as f:
            per_rank.append(json.load(f))
    return [sum(values) / world_size for values in zip(*per_rank)]


def _single_process(work_dir, *args):
    """One process, global batch 8, 3 iterations: losses and final weights."""
    _run_script(work_dir, '--batch-size', '8', *args, nproc=1)
    state = torch.load(work_dir / 'iter_3.pth', weights_only=True)['state_dict']
    return _losses(work_dir, 'run', world_size=1), state


@pytest.fixture(scope='module')
def single(tmp_path_factory):
    return _single_process(tmp_path_factory.mktemp('single'))


@pytest.fixture(scope='module')
def single_accumulated(tmp_path_factory):
    """As ``single`` with gradients accumulated over 2 iterations (steps after 2 and 3)."""
    return _single_process(tmp_path_factory.mktemp('single_acc'), '--accumulate', '2')


def _assert_close_losses(got, expected):
    assert len(got) == len(expected) == 3
    for a, b in zip(got, expected):
        assert abs(a - b) <= 1e-5, (got, expected)


def _assert_close_weights(got, expected):
    assert sorted(got) == sorted(expected)
    for key in expected:
        torch.testing.assert_close(got[key], expected[key], rtol=0, atol=1e-5, msg=key)


def _train_then_resume(work_dir, wrapper, *resume_args, first_args=()):
    out = _run_script(work_dir, '--wrapper', wrapper, '--batch-size', '4', '--max-iters', '2',
                      *first_args)
    _run_script(work_dir, '--wrapper', wrapper, '--batch-size', '4', '--max-iters', '3',
                '--resume', '--tag', 'resumed', *first_args, *resume_args)
    first, resumed = _losses(work_dir, 'run'), _losses(work_dir, 'resumed')
    assert len(first) == 2 and len(resumed) == 1  # the resumed run starts at iteration 2
    return out, first + resumed


def test_ddp_matches_single_process_and_resumes(tmp_path, single):
    out, losses = _train_then_resume(tmp_path, 'ddp')
    assert 'wrapper: MMDistributedDataParallel' in out
    _assert_close_losses(losses, single[0])
    _assert_close_weights(torch.load(tmp_path / 'iter_3.pth', weights_only=True)['state_dict'],
                          single[1])


def test_fsdp_matches_single_process_resumes_and_exports(tmp_path, single_accumulated):
    """With gradient accumulation over 2 iterations (gradient sync off inside a group),
    torch.compile and channels-last inputs."""
    out, losses = _train_then_resume(tmp_path / 'fsdp', 'fsdp', '--export',
                                     str(tmp_path / 'online.pth'),
                                     first_args=('--accumulate', '2', '--speed'))
    assert 'wrapper: MMFullyShardedDataParallel' in out
    single = single_accumulated
    _assert_close_losses(losses, single[0])
    small = torch.load(tmp_path / 'fsdp' / 'iter_3.pth', weights_only=True)
    assert 'state_dict' not in small and 'optimizer' not in small
    assert small['sharded_state'] == 'iter_3.pth.shards'
    assert osp.isdir(tmp_path / 'fsdp' / 'iter_3.pth.shards')
    exported = export_full_state_dict(str(tmp_path / 'fsdp' / 'iter_3.pth'),
                                      str(tmp_path / 'full.pth'))
    _assert_close_weights(exported, single[1])
    model = tiny_vit()
    model.load_state_dict(torch.load(tmp_path / 'full.pth', weights_only=True))  # strict
    online = torch.load(tmp_path / 'online.pth', weights_only=True)
    _assert_close_weights(online, exported)
    # bf16 compute with float32 master weights and reductions, starting from the exported
    # weights (load_from), then validation through the sharded model
    out = _run_script(tmp_path / 'bf16', '--wrapper', 'fsdp_bf16', '--batch-size', '4',
                      '--max-iters', '1', '--load-from', str(tmp_path / 'full.pth'), '--val')
    bf16 = _losses(tmp_path / 'bf16', 'run')[0]
    expected = _first_batch_loss(model)
    assert abs(expected - single[0][0]) > 0.05  # trained weights: another loss than at init
    assert bf16 != expected and abs(bf16 - expected) < 0.03
    metrics = json.loads(out.split('val: ')[1].splitlines()[0])
    assert 0 <= metrics['accuracy/top1'] <= 100


def _first_batch_loss(model):
    """fp32 loss of ``model`` on the first global batch (samples 0-7) of the script's data."""
    from dist_train_script import TinyImages
    from mmcls.datasets.collate import pseudo_collate
    dataset = TinyImages()
    batch = pseudo_collate([dataset[i] for i in range(8)])
    with torch.no_grad():
        data = model.data_preprocessor(batch, True)
        return float(model(**data, mode='loss')['loss'])


def test_fsdp_legacy_api_matches_and_resumes(tmp_path, single):
    _, losses = _train_then_resume(tmp_path, 'fsdp1')
    _assert_close_losses(losses, single[0])
    exported = export_full_state_dict(str(tmp_path / 'iter_3.pth'), str(tmp_path / 'full.pth'))
    _assert_close_weights(exported, single[1])


def test_block_classes_of_vit_and_resnet():
    from mmcls.models.backbones.resnet import ResNet
    assert {c.__name__ for c in find_block_classes(tiny_vit())} == {'TransformerEncoderLayer'}
    assert {c.__name__ for c in find_block_classes(ResNet(depth=18))} == {'BasicBlock'}
    model = tiny_vit()
    assert _resolve_block_classes(model, None) == set()
    assert {c.__name__ for c in _resolve_block_classes(model, ['LayerNorm'])} == {'LayerNorm'}
    with pytest.raises(ValueError, match="auto_wrap names \\['Bottleneck'\\]"):
        _resolve_block_classes(model, ['Bottleneck'])
    with pytest.raises(TypeError, match='auto_wrap'):
        _resolve_block_classes(model, 'TransformerEncoderLayer')


def test_mixed_precision_option():
    assert mixed_precision_dtypes(None) == {}
    assert mixed_precision_dtypes(dict(param_dtype='bfloat16', reduce_dtype=torch.float32)) == \
        dict(param_dtype=torch.bfloat16, reduce_dtype=torch.float32)
    with pytest.raises(KeyError, match='unknown mixed_precision key'):
        mixed_precision_dtypes(dict(output='float16'))
    with pytest.raises(ValueError, match='mixed_precision.param_dtype'):
        mixed_precision_dtypes(dict(param_dtype='fp8'))


def test_fsdp_errors_are_clear(tmp_path):
    with pytest.raises(RuntimeError, match='FSDP needs an initialised process group'):
        MMFullyShardedDataParallel(tiny_vit())
    with pytest.raises(ValueError, match='FSDP: api must be'):
        MMFullyShardedDataParallel._choose_api('deepspeed')
    torch.save(dict(state_dict={}), tmp_path / 'plain.pth')
    with pytest.raises(CheckpointError, match='not a sharded checkpoint'):
        export_full_state_dict(str(tmp_path / 'plain.pth'), str(tmp_path / 'out.pth'))


def test_activation_checkpointing_keeps_names_and_gradients():
    import copy
    from mmcls.core.fsdp import _apply_activation_checkpointing
    plain = tiny_vit()
    checkpointed = copy.deepcopy(plain)
    blocks = list(checkpointed.backbone.layers)
    _apply_activation_checkpointing(blocks)
    assert list(plain.state_dict()) == list(checkpointed.state_dict())
    images = torch.randn(2, 3, 32, 32)
    calls = []
    blocks[0].attn.register_forward_hook(lambda *args: calls.append(1))
    for model in (plain, checkpointed):
        model(images).pow(2).sum().backward()
    assert len(calls) == 2  # forward, then the recomputation in backward
    for (name, a), b in zip(plain.named_parameters(), checkpointed.parameters()):
        torch.testing.assert_close(a.grad, b.grad, msg=name)


def test_fsdp_refuses_fp16_loss_scaling():
    from mmcls.engine.optimizers import AmpOptimWrapper, OptimWrapper
    from mmcls.runner.runner import _check_sharded_loss_scaling
    model = tiny_vit()
    fp16 = AmpOptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), dtype='float16')
    bf16 = AmpOptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), dtype='bfloat16')
    sharded = object.__new__(MMFullyShardedDataParallel)  # the type check needs no process group
    with pytest.raises(ValueError, match="dtype='float16'.*cannot drive an FSDP model"):
        _check_sharded_loss_scaling(sharded, fp16)
    _check_sharded_loss_scaling(sharded, bf16)
    _check_sharded_loss_scaling(model, fp16)
    _check_sharded_loss_scaling(sharded, OptimWrapper(torch.optim.SGD(model.parameters(), lr=1)))


def test_optim_wrapper_uses_the_model_norm_clipper():
    from mmcls.engine.optimizers import OptimWrapper

    class Clipped(torch.nn.Linear):
        def clip_grad_norm_(self, max_norm, norm_type=2.0):
            self.calls = (max_norm, norm_type)
            return torch.tensor(3.0)

    model = Clipped(2, 2)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1),
                           clip_grad=dict(max_norm=0.5))
    with wrapper.optim_context(model):
        loss = model(torch.ones(1, 2)).sum()
    wrapper.update_params(loss)
    assert model.calls == (0.5, 2) and wrapper.last_grad_norm == 3.0


def test_checkpoint_hook_drops_the_shard_folder_with_its_checkpoint(tmp_path):
    from runner_toys import runner_kwargs
    from mmcls.runner import Runner
    torch.set_num_threads(1)
    hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1))
    Runner(**runner_kwargs(str(tmp_path), max_epochs=1, val=False, default_hooks=hooks)).train()
    shards = tmp_path / 'epoch_1.pth.shards'
    shards.mkdir()  # what an FSDP run writes beside epoch_1.pth
    (shards / '.metadata').write_bytes(b'x')
    Runner(**runner_kwargs(str(tmp_path), max_epochs=2, val=False, resume=True,
                           default_hooks=hooks)).train()
    assert (tmp_path / 'epoch_2.pth').is_file()
    assert not (tmp_path / 'epoch_1.pth').exists() and not shards.exists()


def test_export_full_state_dict_of_a_plain_run(tmp_path):
    from runner_toys import ToyModel, runner_kwargs
    from mmcls.runner import Runner
    runner = Runner(**runner_kwargs(str(tmp_path), max_epochs=1, val=False))
    path = runner.export_full_state_dict(str(tmp_path / 'weights.pth'))
    model = ToyModel()
    model.load_state_dict(torch.load(path, weights_only=True))
    for key, value in runner.model.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


def test_fsdp_wrapper_cfg_is_recognised():
    from mmcls.runner.runner import _is_fsdp_cfg
    assert _is_fsdp_cfg(dict(type='FSDP')) and _is_fsdp_cfg(dict(type='mmcls.FSDP'))
    assert _is_fsdp_cfg(dict(type=MMFullyShardedDataParallel, auto_wrap=None))
    assert not _is_fsdp_cfg(dict(type='MMDistributedDataParallel')) and not _is_fsdp_cfg(None)

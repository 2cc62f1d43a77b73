"""Speed switches of the Runner on CPU: compile, channels_last, bf16 and fp16 (GradScaler) autocast
with resume, SyncBatchNorm conversion, AMP CLI flags, dataloader switches."""
import copy
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torch.nn as nn

from runner_toys import assert_same_state, runner_kwargs, state_dict_of
from test_distributed import _free_port

from mmcls.models.base_model import BaseModel
from mmcls.models.utils.data_preprocessor import ClsDataPreprocessor
from mmcls.runner import Runner


class _LossRecorder:
    """A hook recording each training iteration's loss."""
    priority = 'NORMAL'

    def __init__(self):
        self.losses = []

    def __getattr__(self, name):
        if name.startswith(('before_', 'after_')):
            return lambda *args, **kwargs: None
        raise AttributeError(name)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append(float(outputs['loss'].detach()))


def _train_losses(work_dir, **overrides):
    torch.set_num_threads(1)
    recorder = _LossRecorder()
    kwargs = runner_kwargs(str(work_dir), max_epochs=1, val=False,
                           train_cfg=dict(by_epoch=False, max_iters=3), param_scheduler=None,
                           **overrides)
    runner = Runner(**kwargs)
    runner.register_hook(recorder)
    runner.train()
    return recorder.losses


def test_compile_losses_equal_eager(tmp_path):
    eager = _train_losses(tmp_path / 'eager')
    compiled = _train_losses(tmp_path / 'compiled', compile=dict(backend='eager'))
    assert len(eager) == len(compiled) == 3
    for a, b in zip(eager, compiled):
        assert abs(a - b) <= 1e-5, (eager, compiled)


def test_preprocessor_channels_last_batches():
    preprocessor = ClsDataPreprocessor(mean=[0, 0, 0], std=[1, 1, 1], channels_last=True)
    images = [torch.randint(0, 255, (3, 8, 8), dtype=torch.uint8) for _ in range(2)]
    batch = preprocessor.process_inputs(images)
    assert batch.is_contiguous(memory_format=torch.channels_last)
    assert not batch.is_contiguous()
    plain = ClsDataPreprocessor(mean=[0, 0, 0], std=[1, 1, 1]).process_inputs(images)
    assert plain.is_contiguous() and torch.equal(plain, batch)


class _ConvModel(BaseModel):

    def __init__(self):
        super().__init__(data_preprocessor=ClsDataPreprocessor(mean=[0, 0, 0], std=[1, 1, 1]))
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return self.conv(inputs)


def test_runner_channels_last_converts_model_and_preprocessor(tmp_path):
    runner = Runner(model=_ConvModel(), work_dir=str(tmp_path), channels_last=True)
    model = runner.model
    assert model.conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert model.data_preprocessor.channels_last
    images = [torch.zeros(3, 6, 6, dtype=torch.uint8)]
    batch = model.data_preprocessor(dict(inputs=images))['inputs']
    assert batch.is_contiguous(memory_format=torch.channels_last)


def _bf16_runner(work_dir, max_epochs, resume=False):
    torch.set_num_threads(1)
    optim = dict(type='AmpOptimWrapper', dtype='bfloat16',
                 optimizer=dict(type='SGD', lr=0.1, momentum=0.9), clip_grad=dict(max_norm=1.0))
    # no scheduler: its end is clipped to max_epochs, which differs between the runs
    return Runner(**runner_kwargs(str(work_dir), max_epochs=max_epochs, val=False, resume=resume,
                                  optim_wrapper=optim, param_scheduler=None))


def test_bf16_autocast_resume_is_bit_identical(tmp_path):
    full, split = tmp_path / 'full', tmp_path / 'split'
    _bf16_runner(full, 3).train()
    _bf16_runner(split, 2).train()
    _bf16_runner(split, 3, resume=True).train()
    assert_same_state(state_dict_of(full / 'epoch_3.pth'), state_dict_of(split / 'epoch_3.pth'))
    full_ckpt = torch.load(full / 'epoch_3.pth', weights_only=True)
    assert full_ckpt['meta']['epoch'] == 3
    assert 'loss_scaler' not in full_ckpt['optimizer']  # bf16 needs no GradScaler


_SYNC_BN_SCRIPT = '''
import sys, torch
sys.path.insert(0, {here!r})
from runner_toys import ToyModel
from mmcls.core.model_wrappers import unwrap_model
from mmcls.runner import Runner
runner = Runner(model=ToyModel(bn=True), work_dir={work_dir!r}, launcher='pytorch',
                env_cfg=dict(dist_cfg=dict(backend='gloo'), sync_bn={sync_bn!r}))
print('BN', type(unwrap_model(runner.model).bn).__name__)
'''


def _bn_type_under_ddp(tmp_path, sync_bn):
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='', RANK='0', WORLD_SIZE='1',
               LOCAL_RANK='0', MASTER_ADDR='127.0.0.1', MASTER_PORT=str(_free_port()))
    script = _SYNC_BN_SCRIPT.format(here=osp.dirname(osp.abspath(__file__)),
                                    work_dir=str(tmp_path), sync_bn=sync_bn)
    return subprocess.run([sys.executable, '-c', script], env=env, capture_output=True,
                          text=True, timeout=300)


def test_sync_bn_under_cpu_ddp_is_a_clear_error(tmp_path):
    plain = _bn_type_under_ddp(tmp_path / 'plain', None)
    assert plain.returncode == 0, plain.stderr[-3000:]
    assert plain.stdout.split('BN ')[-1].strip() == 'BatchNorm1d'
    synced = _bn_type_under_ddp(tmp_path / 'sync', 'torch')
    assert synced.returncode != 0
    assert "env_cfg.sync_bn='torch' needs CUDA" in synced.stderr


def test_sync_bn_rejects_unknown_value(tmp_path):
    with pytest.raises(ValueError, match='env_cfg.sync_bn'):
        Runner(model=_ConvModel(), work_dir=str(tmp_path), env_cfg=dict(sync_bn='apex'))


def _log_text(runner):
    with open(osp.join(runner.log_dir, f'{runner.timestamp}.log'), encoding='utf-8') as f:
        return f.read()


def test_compile_counts_a_recompile_and_logs_it_once(tmp_path):
    from runner_toys import loader_cfg
    torch.set_num_threads(1)
    torch._dynamo.reset()  # an earlier test compiled the same forward for another instance
    # 10 samples in batches of 4: the last batch of each epoch (2 samples) fails the shape
    # guard once; with dynamic=False the second epoch reuses both cached graphs
    kwargs = runner_kwargs(str(tmp_path), max_epochs=2, val=False, param_scheduler=None,
                           train_dataloader=loader_cfg(size=10, batch_size=4, shuffle=False),
                           compile=dict(backend='eager', dynamic=False))
    runner = Runner(**kwargs)
    runner.train()
    assert runner.message_hub.get_info('compile/recompiles') == 1
    log = _log_text(runner)
    assert log.count('torch.compile: 1 recompile(s) during training') == 1
    assert 'size mismatch' in log  # the guard failure is named


def test_compile_without_recompiles_logs_zero(tmp_path):
    torch.set_num_threads(1)
    torch._dynamo.reset()
    runner = Runner(**runner_kwargs(str(tmp_path), max_epochs=1, val=False, param_scheduler=None,
                                    compile=dict(backend='eager', dynamic=False)))
    runner.train()
    assert runner.message_hub.get_info('compile/recompiles') == 0
    assert _log_text(runner).count('torch.compile: 0 recompile(s)') == 1


def test_compile_errors_are_clear(tmp_path, monkeypatch):
    with pytest.raises(KeyError, match="compile: unknown key"):
        Runner(model=_ConvModel(), work_dir=str(tmp_path), compile=dict(backnd='eager'))
    monkeypatch.delattr(torch, 'compile')
    with pytest.raises(RuntimeError, match='torch.compile needs torch >= 2.0'):
        Runner(model=_ConvModel(), work_dir=str(tmp_path), compile=True)


def _fp16_wrapper(model):
    from mmcls.engine.optimizers import AmpOptimWrapper
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    return AmpOptimWrapper(optimizer, dtype='float16',
                           loss_scale=dict(init_scale=2.0 ** 10, growth_interval=2))


def test_fp16_grad_scaler_state_round_trips(tmp_path):
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    wrapper = _fp16_wrapper(model)
    assert wrapper.loss_scaler is not None and wrapper.loss_scaler.is_enabled()
    for _ in range(3):  # growth_interval=2: the scale doubles once
        with wrapper.optim_context(model):
            loss = model(torch.randn(3, 4)).float().pow(2).mean()
        wrapper.update_params(loss)
    state = wrapper.state_dict()
    assert state['loss_scaler']['scale'] == 2.0 ** 11
    assert state['loss_scaler']['_growth_tracker'] == 1
    torch.save(state, tmp_path / 'optim.pth')
    restored = _fp16_wrapper(nn.Linear(4, 2))
    restored.load_state_dict(torch.load(tmp_path / 'optim.pth', weights_only=True))
    assert restored.loss_scaler.get_scale() == 2.0 ** 11
    assert restored.loss_scaler.state_dict() == wrapper.loss_scaler.state_dict()


def test_amp_default_dtype_is_bf16_on_cpu():
    from mmcls.engine.optimizers import AmpOptimWrapper
    wrapper = AmpOptimWrapper(torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1))
    assert wrapper.cast_dtype == torch.bfloat16 and wrapper.loss_scaler is None


def test_bf16_accumulation_and_clipping_step_count(tmp_path):
    torch.set_num_threads(1)
    optim = dict(type='AmpOptimWrapper', dtype='bfloat16', accumulative_counts=2,
                 optimizer=dict(type='AdamW', lr=0.01), clip_grad=dict(max_norm=0.5))
    runner = Runner(**runner_kwargs(str(tmp_path), val=False, param_scheduler=None,
                                    optim_wrapper=optim,
                                    train_cfg=dict(by_epoch=False, max_iters=7)))
    runner.train()
    # 7 iterations in groups of 2: steps after iterations 2, 4, 6 and the short group 7
    steps = {int(s['step']) for s in runner.optim_wrapper.optimizer.state.values()}
    assert steps == {4}
    assert runner.optim_wrapper.last_grad_norm is not None


def test_train_cli_amp_flags():
    from mmcls.config import Config
    from mmcls.tools.train import merge_args, parse_args
    base = dict(optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)), work_dir='w')
    cfg = merge_args(Config(copy.deepcopy(base)), parse_args(['c.py', '--amp']))
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper' and 'dtype' not in cfg.optim_wrapper
    cfg = merge_args(Config(copy.deepcopy(base)),
                     parse_args(['c.py', '--amp', '--amp-dtype', 'float16']))
    assert cfg.optim_wrapper.dtype == 'float16'
    with pytest.raises(ValueError, match='--amp-dtype needs --amp'):
        merge_args(Config(copy.deepcopy(base)), parse_args(['c.py', '--amp-dtype', 'bfloat16']))


def test_dataloader_speed_switches_reach_torch(tmp_path):
    from runner_toys import loader_cfg
    from mmcls.datasets.builder import build_dataloader
    loader = build_dataloader(loader_cfg(num_workers=1, pin_memory=True,
                                         persistent_workers=True, prefetch_factor=3), seed=0)
    assert loader.pin_memory and loader.persistent_workers and loader.prefetch_factor == 3
    plain = build_dataloader(loader_cfg(), seed=0)
    assert not plain.pin_memory and not plain.persistent_workers


def test_env_cfg_cudnn_benchmark(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.backends.cudnn, 'benchmark', False)
    Runner(model=_ConvModel(), work_dir=str(tmp_path), env_cfg=dict(cudnn_benchmark=True))
    assert torch.backends.cudnn.benchmark is True


def _fp16_runner(work_dir, max_epochs, recorder, resume=False):
    torch.set_num_threads(1)
    # a huge initial scale overflows fp16 gradients at first (skipped steps, scale backoff);
    # growth_interval=2 then doubles it again: the scale moves every few iterations
    optim = dict(type='AmpOptimWrapper', dtype='float16',
                 loss_scale=dict(init_scale=2.0 ** 24, growth_interval=2),
                 optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
    runner = Runner(**runner_kwargs(str(work_dir), max_epochs=max_epochs, val=False,
                                    resume=resume, optim_wrapper=optim, param_scheduler=None))
    runner.register_hook(recorder)
    return runner


def test_fp16_grad_scaler_resume_through_runner(tmp_path):
    full, split = tmp_path / 'full', tmp_path / 'split'
    full_losses, first, resumed = _LossRecorder(), _LossRecorder(), _LossRecorder()
    full_runner = _fp16_runner(full, 3, full_losses)
    full_runner.train()
    _fp16_runner(split, 2, first).train()
    saved = torch.load(split / 'epoch_2.pth', weights_only=True)['optimizer']['loss_scaler']
    runner = _fp16_runner(split, 3, resumed, resume=True)
    runner.train()
    assert runner.optim_wrapper.loss_scaler.is_enabled()
    # the scale of epoch 2 is the one the full run had then (6 iterations per epoch)
    mid = torch.load(full / 'epoch_2.pth', weights_only=True)['optimizer']['loss_scaler']
    assert saved == mid and saved['scale'] < 2.0 ** 24  # it backed off from the overflow
    assert len(resumed.losses) == 6 and first.losses == full_losses.losses[:12]
    assert resumed.losses == full_losses.losses[12:]
    end_full = torch.load(full / 'epoch_3.pth', weights_only=True)['optimizer']['loss_scaler']
    end_split = torch.load(split / 'epoch_3.pth', weights_only=True)['optimizer']['loss_scaler']
    assert end_full == end_split
    assert runner.optim_wrapper.loss_scaler.get_scale() == \
        full_runner.optim_wrapper.loss_scaler.get_scale()
    assert_same_state(state_dict_of(full / 'epoch_3.pth'), state_dict_of(split / 'epoch_3.pth'))

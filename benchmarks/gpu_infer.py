"""GPU inference throughput: eager PyTorch vs ``torch.compile`` vs ONNX Runtime.

For ResNet-50 and ViT-B/16 at 224, each side runs the exported form of the
classifier (``mmcls.deployment.NormalizedClassifier``: raw float pixels in, the
data preprocessor's normalisation folded in, logits out) on a batch already on
the device, under ``torch.inference_mode()``:

* ``eager``: the model as is, with the row's switches (``fp32``, ``amp`` =
  autocast, ``amp+cl`` = + channels-last);
* ``compile``: the same after ``torch.compile``;
* ``onnxruntime``: the ONNX export (float32) in ONNX Runtime, fp32 rows only,
  with the CUDA execution provider and I/O bound to device memory where
  onnxruntime has it (on a CUDA device without it, or without onnxruntime, the
  column reads "-" and a line says why); the CPU provider for CPU runs.

Images per second are measured after ``--warmup`` batches over ``--steps``
batches with a device sync at both ends.

    python benchmarks/gpu_infer.py [--models resnet50 vit-b16] [--modes fp32 amp amp+cl]
        [--batch-size 256]
    python benchmarks/gpu_infer.py --cpu-smoke   # tiny models; automatic without CUDA
"""
import argparse
import os.path as osp
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import gpu_common as common  # noqa: E402

INFER_MODES = ('fp32', 'amp', 'amp+cl')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_common_args(parser, default_batch=256)
    parser.set_defaults(modes=list(INFER_MODES))
    args = parser.parse_args(argv)
    common.apply_smoke(args)
    for mode in args.modes:
        if common.parse_mode(mode)['compile']:
            raise SystemExit(f'--modes: {mode!r}: compile is a column of gpu_infer, not a mode')
    return args


def _inputs(args, channels_last: bool) -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (args.batch_size, 3, args.image_size, args.image_size),
                      generator=gen).float().to(args.device)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


def _exported_form(args, name):
    from mmcls.deployment.onnx_export import NormalizedClassifier
    model = common.build_model(name, args.image_size, args.cpu_smoke, args.device)
    return NormalizedClassifier(model.eval()).eval().to(args.device)


def time_torch(args, name, mode, compiled: bool) -> float:
    switches = common.parse_mode(mode)
    model = _exported_form(args, name)
    if switches['channels_last']:
        model.to(memory_format=torch.channels_last)
    if compiled:
        torch._dynamo.reset()  # each measurement compiles from scratch
        model = torch.compile(model, **common.compile_kwargs(args))
    x = _inputs(args, switches['channels_last'])
    timer = common.Timer(args.device, args.warmup, args.steps, args.batch_size)
    with torch.inference_mode(), common.autocast(args.device, switches['amp'], args.amp_dtype):
        for done in range(1, timer.total + 1):
            model(x)
            timer.step_done(done)
    return timer.images_per_second


def onnxruntime_status(args):
    """``(providers, None)`` to run with, or ``(None, reason)`` when the column is skipped."""
    try:
        import onnxruntime as ort
    except ImportError:
        return None, 'onnxruntime is not installed: the onnxruntime column is skipped'
    available = ort.get_available_providers()
    if args.device.startswith('cuda'):
        if 'CUDAExecutionProvider' not in available:
            return None, (f'onnxruntime has no CUDAExecutionProvider (it has {available}): the '
                          f'onnxruntime column is skipped rather than timing the CPU')
        index = torch.device(args.device).index or 0
        return [('CUDAExecutionProvider', dict(device_id=index)), 'CPUExecutionProvider'], None
    return ['CPUExecutionProvider'], None


def time_onnxruntime(args, name, providers, work_dir) -> float:
    import onnxruntime as ort
    from mmcls.deployment.onnx_export import export_onnx
    model = common.build_model(name, args.image_size, args.cpu_smoke, 'cpu')
    path = export_onnx(model, osp.join(work_dir, f'{name}.onnx'),
                       shape=(args.batch_size, 3, args.image_size, args.image_size))
    session = ort.InferenceSession(path, providers=providers)
    x = _inputs(args, channels_last=False)
    if args.device.startswith('cuda'):
        run = _bound_runner(session, x)
    else:
        feed = {'input': x.cpu().numpy()}

        def run():
            session.run(None, feed)
    timer = common.Timer(args.device, args.warmup, args.steps, args.batch_size)
    for done in range(1, timer.total + 1):
        run()
        timer.step_done(done)
    return timer.images_per_second


def _bound_runner(session, x: torch.Tensor):
    """Run ``session`` on CUDA tensor ``x`` with input and output left in device memory."""
    index = x.device.index or 0
    out = torch.empty((x.shape[0], common.NUM_CLASSES), device=x.device)
    binding = session.io_binding()
    binding.bind_input('input', 'cuda', index, np.float32, tuple(x.shape), x.data_ptr())
    binding.bind_output('logits', 'cuda', index, np.float32, tuple(out.shape), out.data_ptr())

    torch.cuda.synchronize()  # x is written by torch's stream; onnxruntime uses its own

    def run():
        session.run_with_iobinding(binding)
        binding.synchronize_outputs()
    return run


def main(argv=None):
    args = parse_args(argv)
    print('gpu_infer:', common.describe(args))
    providers, reason = onnxruntime_status(args)
    if reason:
        print(reason)
    rows = []
    with tempfile.TemporaryDirectory() as work_dir:
        for name in args.models:
            for mode in args.modes:
                eager = time_torch(args, name, mode, compiled=False)
                compiled = time_torch(args, name, mode, compiled=True)
                ort_rate = None
                if providers is not None and mode == 'fp32':
                    ort_rate = time_onnxruntime(args, name, providers, work_dir)
                rows.append([name, mode, eager, compiled, ort_rate])
                common.release_memory()
                print(f'  {name} {mode}: eager {eager:.1f} img/s, compile {compiled:.1f} img/s',
                      flush=True)
    columns = ['model', 'mode', 'eager img/s', 'compile img/s', 'onnxruntime img/s',
               'compile/eager', 'onnxruntime/eager', 'eager/eager fp32']
    fp32 = {r[0]: r[2] for r in rows if r[1] == 'fp32'}
    table = [[r[0], r[1], common.fmt_rate(r[2]), common.fmt_rate(r[3]), common.fmt_rate(r[4]),
              common.fmt_ratio(r[3], r[2]), common.fmt_ratio(r[4], r[2]),
              common.fmt_ratio(r[2], fp32.get(r[0]))] for r in rows]
    common.print_table('inference throughput (images/s; ratios > 1: the left side is faster)',
                       columns, table)
    for r in rows:
        print(f'ratio compile/eager {r[0]} {r[1]}: {common.fmt_ratio(r[3], r[2])}')
        if r[4] is not None:
            print(f'ratio onnxruntime/eager {r[0]} {r[1]}: {common.fmt_ratio(r[4], r[2])}')


if __name__ == '__main__':
    main()

"""Comparison of a model with its reference-zoo fixture in ``tests/data/reference``.

A fixture was produced from the reference implementation by building the zoo model in eval
mode, overwriting every floating-point state-dict tensor with :func:`fill_value` (integer/bool
buffers and the ``*relative_coords_table`` buffers kept as built), and running
``model(make_input(input_shape), mode='tensor')`` without gradients. :func:`compare` repeats that
on one of our models and lists every difference: state-dict keys, shapes, parameter count, and the
output within the relative tolerance :data:`RTOL`.
"""
import gzip
import json
import math
import zlib
from pathlib import Path

import numpy as np

REFERENCE_DIR = Path(__file__).resolve().parent / 'data' / 'reference'
MODELS_DIR = REFERENCE_DIR / 'models'
EXTERNAL_DIR = REFERENCE_DIR / 'external'
RTOL = 1e-3  # largest |ours - reference| allowed, relative to the reference's scale
INPUT_SEED = 20230407
HEAD_SIZE, TAIL_SIZE = 256, 64


def _uniform_unit_variance(seed, count):
    """``count`` samples, uniform with zero mean and unit variance, from the PCG64 stream ``seed``."""
    generator = np.random.Generator(np.random.PCG64(seed))
    return (generator.random(count) * 2.0 - 1.0) * math.sqrt(3.0)


def fill_value(key, shape):
    """The deterministic array of ``shape`` that fills the state-dict entry ``key``.

    Seeded by the CRC32 of the key; running variances land just above 1, running means and
    vectors near 0 (norm ``weight``/``gamma`` near 1), matrices and kernels scaled by 1/sqrt(fan_in).
    """
    count = int(np.prod(shape)) if len(shape) else 1
    noise = _uniform_unit_variance(zlib.crc32(key.encode()), count)
    leaf = key.rsplit('.', 1)[-1]
    if leaf == 'running_var':
        values = 1.0 + 0.1 * np.abs(noise)
    elif leaf == 'running_mean':
        values = 0.1 * noise
    elif len(shape) <= 1:
        values = 1.0 + 0.1 * noise if leaf in ('weight', 'gamma') else 0.1 * noise
    else:
        values = noise / math.sqrt(max(int(np.prod(shape[1:])), 1))
    return values.reshape(shape)


def fill_model(model):
    """Overwrite ``model``'s floating-point state with :func:`fill_value` in place; returns it."""
    import torch
    with torch.no_grad():
        for key, tensor in model.state_dict().items():
            if torch.is_floating_point(tensor) and not key.endswith('relative_coords_table'):
                filled = torch.from_numpy(fill_value(key, tuple(tensor.shape)))
                tensor.copy_(filled.to(tensor.dtype))
    return model


def make_input(shape):
    """The fixed float32 input batch of ``shape`` that every fixture was run on."""
    import torch
    values = _uniform_unit_variance(INPUT_SEED, int(np.prod(shape)))
    return torch.from_numpy(values.reshape(shape)).float()


def flatten_output(output):
    """A tensor, or nested tuples/lists/dicts of tensors (dicts in key order), as one 1-D float64."""
    import torch
    if torch.is_tensor(output):
        return output.detach().double().flatten()
    if isinstance(output, dict):
        return torch.cat([flatten_output(output[k]) for k in sorted(output)])
    if isinstance(output, (tuple, list)):
        return torch.cat([flatten_output(item) for item in output])
    raise TypeError(f'cannot summarise a model output of type {type(output).__name__}')


def output_shapes(output):
    """The shapes of ``output`` with its nesting: lists for tensors/sequences, dicts kept."""
    import torch
    if torch.is_tensor(output):
        return list(output.shape)
    if isinstance(output, dict):
        return {k: output_shapes(output[k]) for k in sorted(output)}
    return [output_shapes(item) for item in output]


def summarize(output):
    """The summary a fixture stores of an output: shapes, first/last values and sums."""
    flat = flatten_output(output)
    return {
        'shapes': output_shapes(output),
        'numel': int(flat.numel()),
        'head': flat[:HEAD_SIZE].tolist(),
        'tail': flat[-TAIL_SIZE:].tolist(),
        'sum': float(flat.sum()),
        'abs_sum': float(flat.abs().sum()),
        'sq_sum': float((flat * flat).sum()),
        'max_abs': float(flat.abs().max()),
    }


def relative_error(got, ref):
    """Largest difference of two summaries: values and max-abs relative to the reference's max-abs,
    sum and abs-sum relative to its abs-sum."""
    value_diffs = [abs(a - b) for a, b in zip(got['head'] + got['tail'], ref['head'] + ref['tail'])]
    value_diffs.append(abs(got['max_abs'] - ref['max_abs']))
    error = max(value_diffs) / max(ref['max_abs'], 1e-6)
    sum_scale = max(ref['abs_sum'], 1e-6)
    for stat in ('sum', 'abs_sum'):
        error = max(error, abs(got[stat] - ref[stat]) / sum_scale)
    return error


def state_dict_problems(fixture, model):
    """Differences of ``model``'s state-dict keys, shapes and parameter count from the fixture's."""
    ours = model.state_dict()
    theirs = fixture['state_dict']
    problems = []
    missing = [k for k in theirs if k not in ours]
    extra = [k for k in ours if k not in theirs]
    if missing:
        problems.append(f'{len(missing)} reference keys missing, e.g. {missing[:3]}')
    if extra:
        problems.append(f'{len(extra)} keys not in the reference, e.g. {extra[:3]}')
    wrong = [k for k in theirs if k in ours and list(ours[k].shape) != theirs[k]['shape']]
    if wrong:
        problems.append(f'{len(wrong)} shape mismatches, e.g. {wrong[0]}: '
                        f'{list(ours[wrong[0]].shape)} vs {theirs[wrong[0]]["shape"]}')
    num_params = sum(p.numel() for p in model.parameters())
    if num_params != fixture['num_params']:
        problems.append(f'parameters {num_params} vs {fixture["num_params"]}')
    return problems


def compare(fixture, model):
    """Every way ``model`` fails to reproduce ``fixture`` (an empty list when it does)."""
    import torch
    problems = state_dict_problems(fixture, model)
    if problems:
        return problems
    fill_model(model.eval())
    with torch.no_grad():
        output = model(make_input(fixture['input_shape']), mode='tensor')
    got, ref = summarize(output), fixture['output']
    if got['shapes'] != ref['shapes']:
        return [f'output shapes {got["shapes"]} vs {ref["shapes"]}']
    error = relative_error(got, ref)
    return [f'output differs: relative error {error:.2e} > {RTOL}'] if error > RTOL else []


def read_fixture(path):
    """The decoded gzip-JSON fixture at ``path``; a missing file raises naming it."""
    if not path.is_file():
        raise FileNotFoundError(f'reference fixture {path} does not exist')
    with gzip.open(path, 'rt') as f:
        return json.load(f)


def load_fixture(name):
    """The zoo fixture of model ``name``."""
    return read_fixture(MODELS_DIR / f'{name}.json.gz')


def load_external_fixture(name):
    """The torchvision/timm fixture ``name`` (e.g. ``'timm-resnet18'``)."""
    return read_fixture(EXTERNAL_DIR / f'{name}.json.gz')


def load_index():
    """The rows of ``index.json``: one per zoo fixture."""
    path = REFERENCE_DIR / 'index.json'
    if not path.is_file():
        raise FileNotFoundError(f'reference index {path} does not exist')
    return json.loads(path.read_text())

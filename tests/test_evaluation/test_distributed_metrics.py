"""Two gloo processes give the same metrics as one process.

Each rank gets the samples a DistributedSampler would give it (rank r takes
r, r + 2, ...; the last round is padded by repeating the first samples), and
the metrics must gather them back in dataset order and drop the padding.
"""
import os
import pickle
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mmcls.evaluation import Evaluator
from mmcls.structures import ClsDataSample

NUM_SAMPLES = 11  # odd, so rank 1 gets one padded sample
WORLD_SIZE = 2


def metric_cfgs():
    return [dict(type='Accuracy', topk=(1, 3)),
            dict(type='SingleLabelMetric', items=('precision', 'recall', 'f1-score', 'support')),
            dict(type='ConfusionMatrix'),
            dict(type='MultiLabelMetric', average='both'),
            dict(type='AveragePrecision'),
            dict(type='RetrievalRecall', topk=(1, 2))]


def make_samples():
    gen = torch.Generator().manual_seed(0)
    scores = torch.rand(NUM_SAMPLES, 5, generator=gen)
    labels = torch.randint(0, 5, (NUM_SAMPLES, ), generator=gen)
    return [ClsDataSample(metainfo={'sample_idx': i}).set_gt_label(int(labels[i]))
            .set_pred_score(scores[i]) for i in range(NUM_SAMPLES)]


def shard(rank):
    indices = list(range(NUM_SAMPLES))
    total = -(-NUM_SAMPLES // WORLD_SIZE) * WORLD_SIZE
    indices += indices[:total - NUM_SAMPLES]
    return indices[rank::WORLD_SIZE]


def run_rank(rank, port, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=WORLD_SIZE)
    try:
        samples = make_samples()
        evaluator = Evaluator(metric_cfgs())
        mine = [samples[i] for i in shard(rank)]
        for start in range(0, len(mine), 2):  # batches of 2
            evaluator.process(mine[start:start + 2])
        results = evaluator.evaluate(NUM_SAMPLES)
        with open(os.path.join(out_dir, f'rank{rank}.pkl'), 'wb') as f:
            pickle.dump(results, f)
    finally:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not dist.is_available(), reason='torch.distributed is not available')
def test_two_gloo_ranks_equal_single_process(tmp_path):
    mp.spawn(run_rank, args=(free_port(), str(tmp_path)), nprocs=WORLD_SIZE, join=True)
    evaluator = Evaluator(metric_cfgs())
    evaluator.process(make_samples())
    expected = evaluator.evaluate(NUM_SAMPLES)
    for rank in range(WORLD_SIZE):
        with open(tmp_path / f'rank{rank}.pkl', 'rb') as f:
            got = pickle.load(f)
        assert set(got) == set(expected)
        for key, value in expected.items():
            if isinstance(value, torch.Tensor):
                assert torch.equal(got[key], value), key
            else:
                assert got[key] == pytest.approx(value), key
    assert expected['single-label/support'] == NUM_SAMPLES

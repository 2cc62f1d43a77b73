"""Memory of a 1-million-entry annotation file loaded by ``ImageNet`` (CustomDataset format).

    python benchmarks/dataset_memory.py [--entries 1000000] [--no-plain]

Writes an ImageNet-style ``path label`` file, then loads it in fresh
subprocesses with ``serialize_data=True`` and ``False`` and reports, for each,
the RSS after the imports, the peak RSS while loading (``ru_maxrss``) and the
RSS afterwards.  The target is a peak increase under ~200 MB with
serialization: the annotation lines are streamed straight into the packed
buffer, so the million dicts never exist at the same time.
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

CHILD = r'''
import json, resource, sys, time

def rss_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024

import mmcls.datasets  # noqa: F401  (imports torch through the transforms package)
from mmcls.datasets import ImageNet
base_rss = rss_mb()
base_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
dataset = ImageNet(ann_file=sys.argv[1], data_prefix='train', serialize_data=sys.argv[2] == '1')
seconds = time.perf_counter() - start
store = getattr(dataset, '_store', None)
print(json.dumps(dict(
    samples=len(dataset), seconds=seconds, base_rss_mb=base_rss,
    peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    base_peak_mb=base_peak, final_rss_mb=rss_mb(),
    buffer_mb=(store.nbytes / 2**20) if store is not None else None,
    last=dataset.get_data_info(len(dataset) - 1))))
'''


def write_ann_file(path: str, entries: int) -> None:
    """ImageNet-like lines: ``n01440764/n01440764_10026.JPEG 0`` for 1000 classes."""
    with open(path, 'w') as f:
        for i in range(entries):
            label = i % 1000
            f.write(f'n{label:08d}/n{label:08d}_{i:07d}.JPEG {label}\n')


def measure(ann_file: str, serialize: bool) -> dict:
    out = subprocess.run([sys.executable, '-c', CHILD, ann_file, '1' if serialize else '0'],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--entries', type=int, default=1_000_000)
    parser.add_argument('--no-plain', action='store_true',
                        help='skip the serialize_data=False comparison')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ann_file = osp.join(folder, 'train.txt')
        start = time.perf_counter()
        write_ann_file(ann_file, args.entries)
        print(f'annotation file: {args.entries} lines, '
              f'{os.path.getsize(ann_file) / 2**20:.1f} MB, written in '
              f'{time.perf_counter() - start:.1f} s')
        modes = [True] if args.no_plain else [True, False]
        for serialize in modes:
            r = measure(ann_file, serialize)
            growth = r['peak_rss_mb'] - max(r['base_rss_mb'], 0)
            print(f"serialize_data={serialize}: {r['samples']} samples in {r['seconds']:.1f} s; "
                  f"RSS after imports {r['base_rss_mb']:.0f} MB, peak {r['peak_rss_mb']:.0f} MB "
                  f"(+{growth:.0f} MB for the dataset), after loading {r['final_rss_mb']:.0f} MB"
                  + (f"; packed buffer {r['buffer_mb']:.0f} MB" if r['buffer_mb'] else ''))
            if serialize:
                verdict = 'PASS' if growth < 200 else 'FAIL'
                print(f'  target: peak growth < 200 MB with serialize_data=True -> {verdict}')


if __name__ == '__main__':
    main()

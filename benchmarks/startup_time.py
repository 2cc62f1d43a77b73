"""Start-up cost: `import mmcls`, `list_models()`, and a cold `get_model` against `import torch`.

Each measurement runs in a fresh interpreter, several times, and the median is printed, so the
numbers compare within one run on one machine. Targets (SPEC.md section 4): `import mmcls`
< 0.5 s without importing torch; `get_model('resnet50_8xb32_in1k')` in a cold process
<= `import torch` + 0.5 s.
"""
import argparse
import statistics
import subprocess
import sys

SNIPPETS = {
    'import torch': 'import torch',
    'import mmcls': 'import mmcls',
    'list_models()': 'import mmcls; mmcls.list_models()',
    "get_model('resnet50_8xb32_in1k')": "import mmcls; mmcls.get_model('resnet50_8xb32_in1k')",
}

TIMER = ('import time, sys; _t = time.perf_counter(); {code}; '
         'print(time.perf_counter() - _t, "torch" in sys.modules)')


def measure(code: str, repeats: int):
    """Median wall time of ``code`` in fresh interpreters, and whether it imported torch."""
    times, torch_loaded = [], False
    for _ in range(repeats):
        out = subprocess.run([sys.executable, '-c', TIMER.format(code=code)], check=True,
                             capture_output=True, text=True).stdout.split()
        times.append(float(out[0]))
        torch_loaded = out[1] == 'True'
    return statistics.median(times), torch_loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=5)
    args = parser.parse_args()
    results = {}
    for name, code in SNIPPETS.items():
        results[name], torch_loaded = measure(code, args.repeats)
        print(f'{name:40s} {results[name]:6.3f} s   torch imported: {torch_loaded}')
    torch_time = results['import torch']
    model_time = results["get_model('resnet50_8xb32_in1k')"]
    print(f'\nimport mmcls: {results["import mmcls"]:.3f} s (target < 0.5 s)')
    print(f'get_model - import torch: {model_time - torch_time:+.3f} s (target <= +0.5 s)')


if __name__ == '__main__':
    main()

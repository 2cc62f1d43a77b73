"""Writes ``docs/model_zoo.md``: one table per algorithm from ``configs/*/metafile.yml``.

Runs as a MkDocs hook (``on_pre_build``) and as a script (``python docs/scripts/gen_model_zoo.py``).
"""
import glob
import os.path as osp

import yaml

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OUTPUT = osp.join(REPO, 'docs', 'model_zoo.md')
BLOB = 'https://github.com/open-mmlab/mmclassification/blob/1.x/'


def _millions(value):
    """``value`` in millions with two decimals, ``-`` when unknown."""
    return f'{value / 1e6:.2f}' if isinstance(value, (int, float)) else '-'


def _metric(model, name):
    for result in model.get('Results') or []:
        if name in (result.get('Metrics') or {}):
            return f"{result['Metrics'][name]}"
    return '-'


def model_row(model):
    """One markdown table row for a metafile ``Models`` entry."""
    meta = model.get('Metadata') or {}
    weights = model.get('Weights')
    weights_cell = f'[model]({weights})' if weights else '-'
    return (f"| {model['Name']} | {_millions(meta.get('Parameters'))} | "
            f"{_millions(meta.get('FLOPs'))} | {_metric(model, 'Top 1 Accuracy')} | "
            f"{_metric(model, 'Top 5 Accuracy')} | `{model.get('Config', '-')}` | {weights_cell} |")


def algorithm_section(metafile):
    """The ``## Algorithm`` heading, paper link and model table of one metafile."""
    with open(metafile, encoding='utf-8') as f:
        meta = yaml.safe_load(f)
    collections = meta.get('Collections') or [{'Name': osp.basename(osp.dirname(metafile))}]
    lines = [f"## {collections[0]['Name']}", '']
    paper = collections[0].get('Paper') or {}
    if paper.get('URL'):
        lines += [f"Paper: [{paper.get('Title', paper['URL'])}]({paper['URL']})", '']
    lines += ['| Model | Params (M) | FLOPs (M) | Top-1 (%) | Top-5 (%) | Config | Weights |',
              '|---|---|---|---|---|---|---|']
    lines += [model_row(model) for model in meta.get('Models') or []]
    return '\n'.join(lines) + '\n'


def render():
    """The full model-zoo page as markdown."""
    metafiles = sorted(glob.glob(osp.join(REPO, 'configs', '*', 'metafile.yml')))
    header = ('# Model zoo\n\nGenerated from `configs/*/metafile.yml` by '
              '`docs/scripts/gen_model_zoo.py`. Params and FLOPs are in millions; every name '
              'works with `mmcls.get_model(name)` and `mmcls list`.\n\n')
    return header + '\n'.join(algorithm_section(path) for path in metafiles)


def write():
    text = render()
    old = open(OUTPUT, encoding='utf-8').read() if osp.exists(OUTPUT) else None
    if text != old:
        with open(OUTPUT, 'w', encoding='utf-8') as f:
            f.write(text)


def on_pre_build(config, **kwargs):
    write()


if __name__ == '__main__':
    write()

"""DumpResults writes the per-sample predictions that the analysis tools read."""
import pytest
import torch

from mmcls.evaluation import DumpResults, Evaluator, load_results
from mmcls.structures import ClsDataSample


def test_dump_and_reload_then_offline_evaluate(tmp_path):
    out = tmp_path / 'sub' / 'results.pkl'
    data = [ClsDataSample(metainfo={'img_path': f'{i}.jpg', 'sample_idx': i})
            .set_gt_label(i % 3).set_pred_score(torch.eye(3)[i % 2]).set_pred_label(i % 2)
            for i in range(5)]
    evaluator = Evaluator([dict(type='Accuracy'), DumpResults(str(out))])
    evaluator.process(data[:3])
    evaluator.process(data[3:])
    assert evaluator.evaluate(5) == {'accuracy/top1': 40.0}
    results = load_results(str(out))
    assert len(results) == 5
    first = results[0]
    assert first['img_path'] == '0.jpg' and first['sample_idx'] == 0
    assert first['pred_label']['label'].tolist() == [0]
    assert first['pred_label']['score'].tolist() == [1.0, 0.0, 0.0]
    assert first['gt_label']['label'].tolist() == [0]
    assert Evaluator(dict(type='Accuracy')).offline_evaluate(results) == {'accuracy/top1': 40.0}


def test_rejects_non_pickle_path_and_foreign_files(tmp_path):
    with pytest.raises(ValueError, match='.pkl'):
        DumpResults('results.json')
    bad = tmp_path / 'metrics.pkl'
    import pickle
    bad.write_bytes(pickle.dumps({'accuracy/top1': 1.0}))
    with pytest.raises(ValueError, match='not a prediction dump'):
        load_results(str(bad))
    with pytest.raises(FileNotFoundError, match='tools/test.py'):
        load_results(str(tmp_path / 'missing.pkl'))

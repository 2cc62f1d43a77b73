"""The documentation's spelling of tools/model_converters/reparameterize_model.py (same CLI)."""
import runpy
from pathlib import Path

if __name__ == '__main__':
    target = Path(__file__).resolve().parents[1] / 'model_converters' / 'reparameterize_model.py'
    runpy.run_path(str(target), run_name='__main__')

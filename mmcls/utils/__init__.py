"""Small shared helpers (kept free of heavy imports).

``track_on_main_process`` (torch) and ``register_all_modules`` resolve on first access, so
importing the package stays cheap; ``collect_env`` imports torch only when called.
"""
from .analyze import load_json_log
from .collect_env import collect_env
from .misc import is_list_of, is_seq_of, is_tuple_of
from .package import lazy_exports

__all__ = ['collect_env', 'register_all_modules', 'track_on_main_process', 'load_json_log',
           'is_seq_of', 'is_list_of', 'is_tuple_of']

__getattr__ = lazy_exports(__name__, {
    'register_all_modules': 'mmcls.utils.setup_env',
    'track_on_main_process': 'mmcls.utils.progress',
})

_base_ = ['../_base_/default_runtime.py', './does_not_exist.py']

_base_ = '../_base_/default_runtime.py'
level = {{_base_.log_levle}}

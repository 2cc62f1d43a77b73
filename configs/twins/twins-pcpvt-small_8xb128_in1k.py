# Twins-PCPVT-Small: the base recipe with the small arch and drop-path 0.2.
_base_ = ['twins-pcpvt-base_8xb128_in1k.py']

model = dict(backbone=dict(arch='small', drop_path_rate=0.2))

# EdgeNeXt-base distilled with USI (unified scheme for ImageNet): same model, tested on a 256
# centre crop of the 269-short-edge image (crop ratio 0.95).
_base_ = ['./edgenext-base_8xb256_in1k.py']

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=269, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=256),
    dict(type='PackClsInputs'),
]

val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

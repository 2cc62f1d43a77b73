# CLIP ViT-B/32 fine-tuned on ImageNet-1k and evaluated at 448x448. The backbone keeps its 224px
# position embedding and interpolates it to the larger token grid at run time.
_base_ = './vit-base-p32_pt-64xb64_in1k.py'

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=448, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=448),
    dict(type='PackClsInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

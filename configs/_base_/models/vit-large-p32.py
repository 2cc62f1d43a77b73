# ViT (vit-large-p32): the model part of the Vision Transformer configs.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VisionTransformer',
        arch='l',
        img_size=224,
        patch_size=32,
        drop_rate=0.1,
        init_cfg=[
            dict(type='Kaiming', layer='Conv2d', mode='fan_in', nonlinearity='linear')
        ]),
    neck=None,
    head=dict(
        type='VisionTransformerClsHead',
        num_classes=1000,
        in_channels=1024,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='classy_vision'),
    ))

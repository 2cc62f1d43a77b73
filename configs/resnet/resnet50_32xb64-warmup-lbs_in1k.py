# ResNet-50, 32 GPUs x 64 images with warm-up, trained with label smoothing 0.1.
_base_ = ['./resnet50_32xb64-warmup_in1k.py']

model = dict(
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=2048,
        loss=dict(type='LabelSmoothLoss', loss_weight=1.0, label_smooth_val=0.1,
                  num_classes=1000),
    ))

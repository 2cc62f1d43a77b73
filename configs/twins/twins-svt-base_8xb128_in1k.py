# Twins-SVT-Base on ImageNet-1k: AdamW, 5-epoch linear warm-up then cosine decay, 300 epochs.
_base_ = [
    '../_base_/models/twins_svt_base.py',
    '../_base_/datasets/imagenet_bs64_swin_224.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py'
]

train_dataloader = dict(batch_size=128)

optim_wrapper = dict(
    optimizer=dict(
        type='AdamW',
        lr=5e-4 * 128 * 8 / 512,  # 5e-4 per 512 images, 8 GPUs x 128
        weight_decay=0.05,
        eps=1e-8,
        betas=(0.9, 0.999)),
    paramwise_cfg=dict(_delete_=True, norm_decay_mult=0.0, bias_decay_mult=0.0),
    clip_grad=dict(max_norm=5.0),
)

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=295, eta_min=1e-5, by_epoch=True, begin=5, end=300)
]

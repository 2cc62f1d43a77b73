# RepMLP-B at 256 pixels in its deployed (re-parameterised) form.
_base_ = ['./repmlp-base_8xb64_in1k-256px.py']

model = dict(backbone=dict(deploy=True))

# RepMLP-B at 224 pixels in its deployed (re-parameterised) form. The file name keeps the
# misspelling "delopy" under which MMClassification 1.0.0rc6 published it; the correctly spelt
# configs live in repmlp/deploy/.
_base_ = ['./repmlp-base_8xb64_in1k.py']

model = dict(backbone=dict(deploy=True))

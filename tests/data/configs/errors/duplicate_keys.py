_base_ = ['./dup_a.py', './dup_b.py']

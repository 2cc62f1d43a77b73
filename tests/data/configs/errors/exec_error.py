model = dict(depth=undefined_name)

"""Classify one image: ``python demo/image_demo.py IMG CONFIG CHECKPOINT [--device cpu]``.

It prints the result dict (``pred_label``,
``pred_score``, ``pred_class``) as JSON; ``--show`` opens a window with the drawn prediction and ``--show-dir``
saves it as a PNG.
"""
import argparse
import json
import sys


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Classify an image with a config and checkpoint')
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='config file (or a model name of the zoo)')
    parser.add_argument('checkpoint', nargs='?', default=None,
                        help='checkpoint file or URL (default: the zoo weights of a model name)')
    parser.add_argument('--device', default=None,
                        help='device used for inference, e.g. cpu or cuda:0 '
                        '(default: cuda:0 when available, else cpu)')
    parser.add_argument('--show', action='store_true', help='show the prediction in a window')
    parser.add_argument('--show-dir', help='save the drawn prediction in this folder')
    parser.add_argument('--rescale-factor', type=float, default=None,
                        help='resize the drawn image, e.g. 8 for 28x28 images')
    parser.add_argument('--wait-time', type=float, default=0,
                        help='seconds the --show window stays open (0: until a key is pressed)')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    import torch

    from mmcls.apis.inference import ImageClassificationInferencer
    device = args.device or ('cuda:0' if torch.cuda.is_available() else 'cpu')
    inferencer = ImageClassificationInferencer(args.config, weights=args.checkpoint, device=device)
    result = inferencer(args.img, show=args.show, show_dir=args.show_dir,
                        rescale_factor=args.rescale_factor, wait_time=args.wait_time)[0]
    result.pop('pred_scores')
    print(json.dumps(result, indent=4))
    if args.show_dir:
        print(f'The drawn prediction is saved in {args.show_dir}')
    return result


if __name__ == '__main__':
    main()
    sys.exit(0)

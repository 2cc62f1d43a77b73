"""Regenerate the bundled Fashion-MNIST subset under demo/data/fashion-mnist-subset.

Takes the first 200 training and the first 100 test images of each class from the idx files of
the Debian package ``dataset-fashion-mnist`` (or any folder holding the four ``*-ubyte.gz`` files)
and writes them as PNG files in one folder per class, plus ``train.txt``/``test.txt`` annotation
files (``<relative path> <label>``) and ``classes.txt`` in the Fashion-MNIST label order.
"""
import argparse
import gzip
from pathlib import Path

import cv2
import numpy as np

CLASSES = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker',
           'Bag', 'Ankle boot')


def read_idx(path: Path) -> np.ndarray:
    """Read an idx file (optionally gzipped) into an array of its declared shape."""
    opener = gzip.open if path.suffix == '.gz' else open
    with opener(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def write_split(images, labels, per_class: int, root: Path, split: str) -> None:
    lines = []
    for label, name in enumerate(CLASSES):
        folder = name.replace('/', '_').replace(' ', '_')
        (root / split / folder).mkdir(parents=True, exist_ok=True)
        for i in np.flatnonzero(labels == label)[:per_class]:
            rel = f'{split}/{folder}/{i:05d}.png'
            cv2.imwrite(str(root / rel), images[i])
            lines.append(f'{rel} {label}')
    (root / f'{split}.txt').write_text('\n'.join(lines) + '\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--source', default='/usr/share/datasets/fashion-mnist')
    parser.add_argument('--out', default=str(Path(__file__).parent / 'data' / 'fashion-mnist-subset'))
    args = parser.parse_args()
    src, root = Path(args.source), Path(args.out)
    write_split(read_idx(src / 'train-images-idx3-ubyte.gz'),
                read_idx(src / 'train-labels-idx1-ubyte.gz'), 200, root, 'train')
    write_split(read_idx(src / 't10k-images-idx3-ubyte.gz'),
                read_idx(src / 't10k-labels-idx1-ubyte.gz'), 100, root, 'test')
    (root / 'classes.txt').write_text('\n'.join(CLASSES) + '\n')


if __name__ == '__main__':
    main()

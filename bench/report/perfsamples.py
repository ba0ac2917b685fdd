"""Reads `perf script -F ip,sym` output: one sample per block of "address symbol" lines (leaf
first), blocks separated by a blank line. Symbols lose their +0xOFFSET."""
import re

_OFFSET = re.compile(r"\+0x[0-9a-f]+$")


def read(path):
    """The samples of the file, each a list of frame names from the leaf up."""
    samples, frames = [], []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                if frames:
                    samples.append(frames)
                    frames = []
                continue
            parts = line.split(None, 1)
            frames.append(_OFFSET.sub("", parts[1]) if len(parts) > 1 else "?")
    if frames:
        samples.append(frames)
    return samples

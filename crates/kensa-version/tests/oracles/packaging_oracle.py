"""Orders PEP 440 version pairs with `packaging.version.Version`.

Usage: packaging_oracle.py < pairs.tsv > results.txt (same format as osv_oracle.py).
"""
import sys

from packaging.version import InvalidVersion, Version


def parse(version):
    try:
        return Version(version)
    except InvalidVersion:
        return None


for line in sys.stdin:
    left, _, right = line.rstrip("\n").partition("\t")
    left_version, right_version = parse(left), parse(right)
    if left_version is None or right_version is None:
        print("invalid")
    elif left_version < right_version:
        print("lt")
    elif left_version > right_version:
        print("gt")
    else:
        print("eq")

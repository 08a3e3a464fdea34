"""Orders version pairs with the `osv` package's ecosystem sort keys.

Usage: osv_oracle.py ECOSYSTEM < pairs.tsv > results.txt
Each input line is `left<TAB>right`; each output line is `lt`, `eq`, `gt`,
or `invalid` when osv cannot read one side (osv's own sort keys push invalid
versions to the end instead of refusing them, so validity is checked here
with the ecosystem's own `is_valid` where osv has one).
"""
import sys

import osv.ecosystems as ecosystems
from osv import semver_index
from osv.third_party.univers.alpine import AlpineLinuxVersion
from osv.third_party.univers.debian import Version as DebianVersion
from osv.third_party.univers.gem import GemVersion

ECOSYSTEM = sys.argv[1]
HELPER = ecosystems.get(ECOSYSTEM)


def is_valid(version):
    if ECOSYSTEM.startswith(("Debian", "Ubuntu")):
        return DebianVersion.is_valid(version)
    if ECOSYSTEM.startswith("Alpine"):
        return AlpineLinuxVersion.is_valid(version)
    if ECOSYSTEM == "RubyGems":
        return GemVersion.is_correct(version)
    if ECOSYSTEM in ecosystems.SEMVER_ECOSYSTEMS:
        return semver_index.is_valid(version)
    return True


def key(version):
    if not is_valid(version):
        return None
    try:
        return HELPER.sort_key(version)
    except Exception:  # noqa: BLE001 - any failure means osv cannot read it
        return None


for line in sys.stdin:
    left, _, right = line.rstrip("\n").partition("\t")
    left_key, right_key = key(left), key(right)
    if left_key is None or right_key is None:
        print("invalid")
    elif left_key < right_key:
        print("lt")
    elif left_key > right_key:
        print("gt")
    else:
        print("eq")

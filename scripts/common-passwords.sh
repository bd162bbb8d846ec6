#!/usr/bin/env bash
# Regenerates src/auth/common_passwords.bin (and the sample of it the unit
# tests check, src/auth/common_passwords_sample.txt) from Django's own
# django/contrib/auth/common-passwords.txt.gz: the list
# CommonPasswordValidator refuses.
#
#   scripts/common-passwords.sh [DJANGO_VERSION]     (default: the interop pin)
#
# Downloads Django's wheel with pip (the package registry, nothing else) into
# a temporary directory, reads the list out of it, and encodes it as two
# Golomb-coded sets of SHA-256 hashes (docs/design.md, "Password
# validators"): the entries under 8 characters, and the others.
#
#   tier    entries    k    false positives       size
#   < 8     11,286     8    1/383   ~ 2.6e-3      14,179 bytes
#   >= 8     8,354    16    1/98107 ~ 1.0e-5      18,870 bytes
#
# (At k 10 and 17, 6.5e-4 and 5.1e-6, the file is 36,928 bytes and the
# binary 3,900 bytes larger: see docs/design.md.)
#
# The file is deterministic: the same Django gives the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VERSION="${1:-$(sed -n 's/^Django==//p' tests/interop/requirements.txt)}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

"$PYTHON" -m venv "$TMP/venv"
"$TMP/venv/bin/python" -m pip download --disable-pip-version-check --no-input \
    --quiet --no-deps --only-binary=:all: -d "$TMP/wheel" "django==$VERSION"

exec "$TMP/venv/bin/python" - "$TMP"/wheel/*.whl <<'PYTHON'
import gzip
import hashlib
import io
import random
import struct
import sys
import zipfile

wheel = sys.argv[1]
with zipfile.ZipFile(wheel) as z:
    raw = z.read("django/contrib/auth/common-passwords.txt.gz")
# As CommonPasswordValidator reads it: {x.strip() for x in f}.
with gzip.open(io.BytesIO(raw), "rt", encoding="utf-8") as f:
    passwords = {x.strip() for x in f}

# Tiers by length in code points (Python's len), at Django's default
# min_length: a false positive in the first only adds "too common" to a
# password the default length validator refuses anyway.
SHORT = 8
TIERS = [(lambda p: len(p) < SHORT, 8), (lambda p: len(p) >= SHORT, 16)]


def hash64(password):
    """The first 8 bytes of SHA-256 of the UTF-8, big-endian."""
    return int.from_bytes(hashlib.sha256(password.encode("utf-8")).digest()[:8], "big")


class Bits:
    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value, width):
        for i in reversed(range(width)):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                self.acc = self.n = 0

    def bytes(self):
        return bytes(self.out) + (bytes([self.acc << (8 - self.n)]) if self.n else b"")


def golomb_set(entries, k):
    """BIP 158's Golomb-coded set: hashes mapped onto [0, n*m), sorted,
    their gaps Rice-coded with k bits of remainder; m ~ 1.497 * 2^k."""
    m = round(1.497 * (1 << k))
    n = len(entries)
    values = sorted({(hash64(p) * n * m) >> 64 for p in entries})
    bits = Bits()
    last = 0
    for v in values:
        gap = v - last
        last = v
        q = gap >> k
        bits.put((1 << (q + 1)) - 2, q + 1)  # q ones, then a zero
        bits.put(gap & ((1 << k) - 1), k)
    data = bits.bytes()
    # n: the count the range was scaled by; len(values): the values coded.
    header = struct.pack("<IIIBI", n, len(values), m, k, len(data))
    return header + data, n, m


out = bytearray(b"JWTDCP1\0")
report = []
for belongs, k in TIERS:
    entries = [p for p in passwords if belongs(p)]
    encoded, n, m = golomb_set(entries, k)
    out += encoded
    report.append(f"  {n} entries, k={k}, m={m}: false positives 1/{m} = {1 / m:.2e}, {len(encoded)} bytes")

with open("src/auth/common_passwords.bin", "wb") as f:
    f.write(out)

# Every sample entry must be refused by the Rust side; the seed keeps the
# file stable.
rng = random.Random(5)
sample = rng.sample(sorted(passwords), 200)
with open("src/auth/common_passwords_sample.txt", "w", encoding="utf-8") as f:
    f.write("".join(p + "\n" for p in sample))

print(f"common-passwords: {len(passwords)} passwords from {wheel.rsplit('/', 1)[-1]}")
print("\n".join(report))
print(f"  src/auth/common_passwords.bin: {len(out)} bytes")
PYTHON

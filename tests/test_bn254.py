"""The native alt_bn128 precompiles against py-evm's own pure-Python ones (py_ecc): the same
points, the same booleans, and the same inputs rejected."""

import pytest
from eth_utils import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc.optimized_bn128 import FQ2, G1, G2, b2, curve_order, field_modulus, is_on_curve, multiply, neg, normalize

from parevm import bn254
from parevm.bn254 import PY_ECC, native_ecadd, native_ecmul, native_ecpairing
from parevm.crypto import backends_in_use

P = field_modulus


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def g1(point) -> bytes:
    x, y = normalize(point)
    return word(int(x)) + word(int(y))


def g2(point) -> bytes:
    (x0, x1), (y0, y1) = (normalize(point)[0].coeffs, normalize(point)[1].coeffs)
    return word(int(x1)) + word(int(x0)) + word(int(y1)) + word(int(y0))


def same(native, python, data: bytes) -> None:
    """Both give the same value, or both reject the input."""
    try:
        expected = python(data)
    except ValidationError:
        with pytest.raises(ValidationError):
            native(data)
        return
    got = native(data)
    if isinstance(expected, bool):
        assert got is expected
    else:
        assert (got[0].n, got[1].n) == (expected[0].n, expected[1].n)


def twist_point_outside_the_group() -> bytes:
    """A point on the G2 curve that is not in G2's subgroup (its cofactor is huge, so
    nearly every curve point): py-evm rejects it, and so must the native check."""
    for x in range(1, 100):
        candidate = FQ2([x, 1])
        square = candidate**3 + b2
        root = _sqrt_fq2(square)
        if root is not None:
            point = (candidate, root, FQ2.one())
            assert is_on_curve(point, b2) and multiply(point, curve_order)[2] != FQ2.zero()
            return g2(point)
    raise AssertionError("no curve point found")


def _sqrt_fq2(a: FQ2) -> FQ2 | None:
    """A square root in FQ2 = FQ[i]/(i^2 + 1), P = 3 mod 4, None where there is none."""
    a0, a1 = (int(c) for c in a.coeffs)
    norm = pow((a0 * a0 + a1 * a1) % P, (P + 1) // 4, P)
    for half in ((a0 + norm) * pow(2, -1, P) % P, (a0 - norm) * pow(2, -1, P) % P):
        x0 = pow(half, (P + 1) // 4, P)
        if x0 and x0 * x0 % P == half:
            root = FQ2([x0, a1 * pow(2 * x0, -1, P) % P])
            if root * root == a:
                return root
    return None


def test_the_native_backend_is_in_use():
    assert backends_in_use()["alt_bn128"] == "parevm.bn254"


def test_calls_leave_nothing_behind():
    """Each call is reverted: revm's journal, and so the process's memory, does not grow."""
    point = g1(multiply(G1, 3))
    native_ecadd(point + point)
    before = bn254._evm[1].journal_len
    for _ in range(50):
        native_ecadd(point + point)
        with pytest.raises(ValidationError):
            native_ecmul(word(1) + word(3) + word(2))
    assert bn254._evm[1].journal_len == before


scalars = st.one_of(
    st.integers(0, 2**256 - 1),
    st.sampled_from([0, 1, 2, curve_order - 1, curve_order, curve_order + 1, 2**256 - 1]),
)
g1_points = st.one_of(
    st.builds(lambda k: g1(multiply(G1, k)), st.integers(1, curve_order - 1)),
    st.just(word(0) * 2),  # the point at infinity
    st.builds(lambda x, y: word(x) + word(y), st.integers(0, 5), st.integers(0, 5)),  # mostly off the curve
    st.builds(lambda k: word(int(normalize(multiply(G1, k))[0]) + P) + g1(multiply(G1, k))[32:], st.integers(1, 9)),
    st.just(word(1) + word(P - 2)),  # -G1
    st.just(word(1) + word(2 + P)),  # G1 with y beyond the field
)


@settings(max_examples=300, deadline=None)
@given(g1_points, g1_points, st.integers(0, 160))
def test_ecadd(a, b, length):
    same(native_ecadd, PY_ECC["ecadd"], (a + b)[:length] if length < 128 else a + b + b"\x07" * (length - 128))


@settings(max_examples=200, deadline=None)
@given(g1_points, scalars, st.integers(0, 130))
def test_ecmul(point, scalar, length):
    data = point + word(scalar)
    same(native_ecmul, PY_ECC["ecmul"], data[:length] if length < 96 else data + b"\x01" * (length - 96))


def test_ecadd_of_a_point_and_its_negation_is_infinity():
    point = multiply(G1, 7)
    assert [c.n for c in native_ecadd(g1(point) + g1(neg(point)))] == [0, 0]


@pytest.mark.parametrize(
    "pairs",
    [
        [],
        [(g1(multiply(G1, 12)), g2(multiply(G2, 34))), (g1(neg(multiply(G1, 12 * 34))), g2(G2))],  # holds
        [(g1(multiply(G1, 12)), g2(multiply(G2, 34))), (g1(neg(multiply(G1, 12 * 35))), g2(G2))],  # fails
        [(word(0) * 2, g2(G2))],  # infinity in G1: holds
        [(g1(G1), word(0) * 4)],  # infinity in G2: holds
        [(g1(G1), g2(G2))],  # fails
        [(word(1) + word(3), g2(G2))],  # G1 off the curve
        [(g1(G1), word(1) * 4)],  # G2 off the curve
        [(g1(G1), word(P) + g2(G2)[32:])],  # G2 coordinate beyond the field
        [(g1(G1), twist_point_outside_the_group())],
    ],
    ids=["empty", "holds", "fails", "g1-infinity", "g2-infinity", "single", "g1-off-curve",
         "g2-off-curve", "g2-beyond-field", "g2-outside-group"],
)
def test_ecpairing(pairs):
    same(native_ecpairing, PY_ECC["ecpairing"], b"".join(a + b for a, b in pairs))

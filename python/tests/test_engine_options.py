"""einjit.Engine's target, cache sizes and tuning: pinned, the schedule is the same on every
machine; measured tuning keeps the fastest strategy and computes the same values."""

import numpy as np
import pytest

import einjit


def test_a_pinned_target_and_caches_decide_the_schedule():
    engine = einjit.Engine(cache_dir=False, target="x86-64-v3",
                           cache_sizes=(32 << 10, 1 << 20, 32 << 20))
    assert "x86-64-v3, 256-bit vectors" in engine.target
    assert "L3 32768 KiB" in engine.target
    loops = engine.compile("i,j->ij", (4096,), (4096,)).explain("loops")
    assert "output 67108864 B > L3/2 16777216 B: non-temporal stores" in loops
    big = einjit.Engine(cache_dir=False, target="x86-64-v3",
                        cache_sizes=(32 << 10, 1 << 20, 256 << 20))
    assert "non-temporal" not in big.compile("i,j->ij", (4096,), (4096,)).explain("loops")


def test_measured_tuning_keeps_the_fastest(tmp_path):
    engine = einjit.Engine(cache_dir=tmp_path, tune="measure:20")
    plan = engine.compile("ik,kj->ij", (40, 30), (30, 20))
    line = next(l for l in plan.explain("loops").splitlines() if "why: measured" in l)
    timings = line.split("): ", 1)[1]
    listed, chosen = timings.rsplit(": ", 1)
    times = [(name, float(ms)) for name, ms, _ in (t.split(" ") for t in listed.split(", "))]
    # Times print to three digits, so candidates can tie: the winner is one of the fastest.
    fastest = min(ms for _, ms in times)
    assert (chosen, fastest) in times, line
    x = np.arange(1200, dtype=np.float32).reshape(40, 30) / 100
    y = np.arange(600, dtype=np.float32).reshape(30, 20) / 100
    np.testing.assert_allclose(plan(x, y), x @ y, rtol=1e-5)


def test_bad_options_are_errors():
    with pytest.raises(einjit.Error, match="LLVM does not know the CPU 'pentium9000'"):
        einjit.Engine(cache_dir=False, target="pentium9000")
    with pytest.raises(einjit.Error, match="tune must be estimate, measure or measure:MS"):
        einjit.Engine(cache_dir=False, tune="fast")
    with pytest.raises(ValueError, match="cache_sizes must be"):
        einjit.Engine(cache_dir=False, cache_sizes=(1, 2))


def test_einsum_plans_are_bounded_by_the_cache_capacity():
    # Three call signatures through a capacity of one: each call evicts the last one's plan and
    # plans again, and every answer stays right.
    engine = einjit.Engine(cache_capacity=1, cache_dir=False)
    rng = np.random.default_rng(3)
    shapes = [(2, 3), (4, 3), (5, 3)]
    arrays = [rng.standard_normal(s) for s in shapes]
    for _ in range(3):
        for a in arrays:
            np.testing.assert_allclose(einjit.einsum("ij,kj->ik", a, a, engine=engine), a @ a.T)
    assert engine.statistics()["entries"] <= 1

"""Trains the seed's LSTM forecaster (issue 18) on simulated weekly listening and exports it
to ONNX: `models/segue-forecast.onnx`, model card `models/segue-forecast.md`.

The data are the benchmark's own simulated histories, written by
    cargo run --release -p segue-bench --example forecast_backtest -- \
        --dump .cache/forecast/train.txt 200 1 2 3 4 5 6 8 9 10 11 12 13
    target/release/examples/forecast_backtest --dump .cache/forecast/valid.txt 200 99
(seeds 2016 and 7, which the benchmark reports, are held aside; 99 picks the epoch).

Then (CPU, one thread, about 9 minutes on a shared 2-core machine):
    XLA_FLAGS=--xla_force_host_platform_device_count=1 \
    .local/train-venv/bin/python models/forecast/train_lstm.py

Model: the last K = 16 weeks of one artist's plays (zeros before the history begins) ->
next week's plays. Normalised per window inside the graph: the level is the window's mean
plays per week and every week is divided by (level + 1); each step sees (plays / (level + 1),
ln(level + 1)), so the net knows both the shape and the size. An LSTM of 32 units reads the
16 steps; a dense layer on its last state and ln(level + 1) gives softplus(z) * (level + 1).

Loss: the benchmark's MASE, per window: the absolute error divided by the series' in-sample
naive error over its first 12 weeks (floored at 0.25 plays; a series flat at the start uses
its whole length), each series weighted equally. MASE is an absolute error, so the net learns
something close to a median: for intermittent artists that is often below the mean.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import onnx
import onnxruntime as ort
import optax
from onnx import TensorProto, helper, numpy_helper

K = 16  # weeks read
H = 32  # LSTM units
FIRST_ORIGIN = 8  # the app's backtest starts here (segue_core::forecast::FIRST_ORIGIN)
SCALE_WEEKS = 12  # the benchmark's MASE scale (and first origin)
SCALE_FLOOR = 0.25
BATCH = 1024
STEPS = int(os.environ.get("SEGUE_LSTM_STEPS", "20000"))
SEED = 18

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / ".cache" / "forecast"
OUT = ROOT / "models" / "segue-forecast.onnx"


def read_series(path: Path) -> list[np.ndarray]:
    series = []
    with open(path) as f:
        for line in f:
            _, weeks = line.split(":", 1)
            series.append(np.array([float(w) for w in weeks.split()], dtype=np.float32))
    return series


def mase_scale(s: np.ndarray) -> float:
    first = s[:SCALE_WEEKS]
    scale = float(np.abs(np.diff(first)).mean())
    if scale <= 0.0:
        scale = float(np.abs(np.diff(s)).mean())
    return max(scale, SCALE_FLOOR)


def windows(series: list[np.ndarray], first_origin: int):
    """Every origin t >= first_origin of every series: (last K weeks before t, week t, weight,
    series index). Weights make each series count once in total (the mean over series of the
    mean over its origins), divided by its MASE scale."""
    xs, ys, ws, idx = [], [], [], []
    for i, s in enumerate(series):
        n = len(s) - first_origin
        if n <= 0:
            continue
        padded = np.concatenate([np.zeros(K, np.float32), s])
        scale = mase_scale(s)
        for t in range(first_origin, len(s)):
            xs.append(padded[t : t + K])  # weeks t-K .. t-1
            ys.append(s[t])
            ws.append(1.0 / (scale * n))
            idx.append(i)
    return (
        np.stack(xs).astype(np.float32),
        np.array(ys, np.float32),
        np.array(ws, np.float32),
        np.array(idx),
    )


def init_params(key):
    k1, k2, k3 = jax.random.split(key, 3)
    lim_w = 1.0 / np.sqrt(H)
    return {
        # Gates stacked in ONNX's order: input, output, forget, cell.
        "W": jax.random.uniform(k1, (4 * H, 2), minval=-lim_w, maxval=lim_w),
        "R": jax.random.uniform(k2, (4 * H, H), minval=-lim_w, maxval=lim_w),
        # Forget gate biased open (a common start for LSTMs).
        "B": jnp.zeros(4 * H).at[2 * H : 3 * H].set(1.0),
        "D": jax.random.normal(k3, (H + 1,)) * 0.05,
        "d": jnp.array(0.0),
    }


def features(weeks):
    level = weeks.mean(axis=1, keepdims=True)
    scale = level + 1.0
    log_scale = jnp.log(scale)
    steps = jnp.stack([weeks / scale, jnp.broadcast_to(log_scale, weeks.shape)], axis=2)
    return steps, scale[:, 0], log_scale[:, 0]


def forward(p, weeks):
    steps, scale, log_scale = features(weeks)

    def cell(carry, x):
        h, c = carry
        z = x @ p["W"].T + h @ p["R"].T + p["B"]
        i, o, f, g = jnp.split(z, 4, axis=1)
        i, o, f, g = jax.nn.sigmoid(i), jax.nn.sigmoid(o), jax.nn.sigmoid(f), jnp.tanh(g)
        c = f * c + i * g
        h = o * jnp.tanh(c)
        return (h, c), None

    n = weeks.shape[0]
    zeros = jnp.zeros((n, H))
    (h, _), _ = jax.lax.scan(cell, (zeros, zeros), jnp.swapaxes(steps, 0, 1))
    z = jnp.concatenate([h, log_scale[:, None]], axis=1) @ p["D"] + p["d"]
    return jax.nn.softplus(z) * scale


def loss_fn(p, x, y, w):
    return jnp.sum(jnp.abs(forward(p, x) - y) * w) / jnp.sum(w)


def benchmark_mase(predict, series: list[np.ndarray]) -> float:
    """The benchmark's figure: mean over series with a scale of the MASE from week 12 on."""
    values = []
    for s in series:
        scale = float(np.abs(np.diff(s[:SCALE_WEEKS])).mean())
        if scale <= 0 or len(s) <= SCALE_WEEKS:
            continue
        padded = np.concatenate([np.zeros(K, np.float32), s])
        x = np.stack([padded[t : t + K] for t in range(SCALE_WEEKS, len(s))])
        values.append(float(np.abs(predict(x) - s[SCALE_WEEKS:]).mean()) / scale)
    return float(np.mean(values))


def export_onnx(p, path: Path):
    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    inits = [
        numpy_helper.from_array(f32(p["W"])[None], "W"),
        numpy_helper.from_array(f32(p["R"])[None], "R"),
        # ONNX adds an input bias and a recurrent bias: ours is all in the first.
        numpy_helper.from_array(np.concatenate([f32(p["B"]), np.zeros(4 * H, np.float32)])[None], "B"),
        numpy_helper.from_array(f32(p["D"]).reshape(H + 1, 1), "D"),
        numpy_helper.from_array(f32(p["d"]).reshape(1), "d"),
        numpy_helper.from_array(np.array([1.0], np.float32), "one"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        numpy_helper.from_array(np.array([0], np.int64), "axis0"),
        numpy_helper.from_array(np.array([2], np.int64), "axis2"),
    ]
    nodes = [
        helper.make_node("ReduceMean", ["weeks", "axis1"], ["level"], keepdims=1),
        helper.make_node("Add", ["level", "one"], ["scale"]),  # [n, 1]
        helper.make_node("Log", ["scale"], ["log_scale"]),
        helper.make_node("Div", ["weeks", "scale"], ["shape_steps"]),  # [n, K]
        helper.make_node("Shape", ["weeks"], ["weeks_shape"]),
        helper.make_node("Expand", ["log_scale", "weeks_shape"], ["size_steps"]),
        helper.make_node("Unsqueeze", ["shape_steps", "axis2"], ["shape_3"]),
        helper.make_node("Unsqueeze", ["size_steps", "axis2"], ["size_3"]),
        helper.make_node("Concat", ["shape_3", "size_3"], ["steps"], axis=2),  # [n, K, 2]
        helper.make_node("Transpose", ["steps"], ["steps_t"], perm=[1, 0, 2]),  # [K, n, 2]
        helper.make_node("LSTM", ["steps_t", "W", "R", "B"], ["", "h_last"], hidden_size=H),
        helper.make_node("Squeeze", ["h_last", "axis0"], ["h"]),  # [n, H]
        helper.make_node("Concat", ["h", "log_scale"], ["dense_in"], axis=1),
        helper.make_node("MatMul", ["dense_in", "D"], ["z0"]),
        helper.make_node("Add", ["z0", "d"], ["z"]),
        helper.make_node("Softplus", ["z"], ["per_scale"]),
        helper.make_node("Mul", ["per_scale", "scale"], ["next_2d"]),
        helper.make_node("Squeeze", ["next_2d", "axis1"], ["next_week"]),
    ]
    graph = helper.make_graph(
        nodes,
        "segue_forecast_lstm",
        [helper.make_tensor_value_info("weeks", TensorProto.FLOAT, ["n", K])],
        [helper.make_tensor_value_info("next_week", TensorProto.FLOAT, ["n"])],
        inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 18)],
        producer_name="segue models/forecast/train_lstm.py",
    )
    model.ir_version = 8
    model.doc_string = (
        f"Next week's plays of one artist from the last {K} weeks (oldest first, zeros before "
        "the history begins). Trained on simulated histories only: see models/segue-forecast.md."
    )
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())


def main() -> int:
    train = read_series(DATA / "train.txt")
    valid = read_series(DATA / "valid.txt")
    x, y, w, _ = windows(train, FIRST_ORIGIN)
    print(f"{len(train)} training series, {len(x)} windows; {len(valid)} validation series", flush=True)
    key = jax.random.PRNGKey(SEED)
    params = init_params(key)
    schedule = optax.cosine_decay_schedule(3e-3, STEPS, alpha=0.05)
    opt = optax.adam(schedule)
    state = opt.init(params)

    @jax.jit
    def step(params, state, xb, yb, wb):
        loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb, wb)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    predict = jax.jit(forward)
    # Windows drawn in proportion to their weight: each series counts once, over its scale.
    cdf = np.cumsum(w / w.sum())
    rng = np.random.default_rng(SEED)
    naive = benchmark_mase(lambda xb: xb[:, -1], valid)
    best = (float("inf"), params, 0)
    start = time.time()
    for i in range(1, STEPS + 1):
        pick = np.minimum(np.searchsorted(cdf, rng.random(BATCH)), len(x) - 1)
        params, state, loss = step(params, state, x[pick], y[pick], np.ones(BATCH, np.float32))
        if i % 500 == 0 or i == STEPS:
            v = benchmark_mase(lambda xb: np.asarray(predict(params, jnp.asarray(xb))), valid)
            print(f"step {i}: train loss {float(loss):.3f}, validation MASE {v:.3f} (naive {naive:.3f}), {time.time() - start:.0f} s", flush=True)
            if v < best[0]:
                best = (v, params, i)
    valid_mase, params, best_step = best
    print(f"best step {best_step}: validation MASE {valid_mase:.3f}")

    export_onnx(params, OUT)
    # The ONNX graph must give what JAX gives, on held-aside windows and edge cases.
    xv, _, _, _ = windows(valid, FIRST_ORIGIN)
    probe = np.concatenate(
        [xv[:: max(1, len(xv) // 4000)], np.zeros((1, K), np.float32), np.full((1, K), 60.0, np.float32)]
    )
    session = ort.InferenceSession(str(OUT), providers=["CPUExecutionProvider"])
    got = session.run(["next_week"], {"weeks": probe})[0]
    want = np.asarray(predict(params, jnp.asarray(probe)))
    worst = float(np.max(np.abs(got - want) / (np.abs(want) + 1.0)))
    print(f"ONNX vs JAX on {len(probe)} windows: worst relative difference {worst:.2e}")
    if worst > 1e-4:
        print("ONNX and JAX disagree", file=sys.stderr)
        return 1
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    # Reference windows and outputs for the Rust test (crates/segue-analysis/tests).
    reference = {
        "weeks": probe[:6].tolist() + [probe[-2].tolist(), probe[-1].tolist()],
        "next_week": want[:6].tolist() + [float(want[-2]), float(want[-1])],
    }
    (Path(__file__).parent / "reference.json").write_text(json.dumps(reference, indent=1) + "\n")
    summary = {
        "steps": STEPS,
        "best_step": best_step,
        "validation_mase": round(valid_mase, 4),
        "validation_naive_mase": round(naive, 4),
        "training_series": len(train),
        "training_windows": int(len(x)),
        "onnx_vs_jax_worst_relative": worst,
        "sha256": digest,
    }
    (Path(__file__).parent / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

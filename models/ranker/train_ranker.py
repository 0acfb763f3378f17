"""Fits Segue's suggestion ranker on logged outcomes and exports models/segue-ranker.onnx.

The ranker scores the short list of "play next" candidates from their term values (how close
each sounds to what plays, how it joins it, how much the listener model expects them to
enjoy it, ...). It is a generalised additive model: each term passes through its own learned
shape (a piecewise-linear function: a linear part plus hinges at the term's quantiles, i.e. a
one-hidden-layer ReLU network per term with fixed hinge positions) and the shapes add up to
the log-odds that the listener plays the track through. Additive on purpose: every term's part
of a score is exact, so reasons stay written from the terms that actually ranked the track.
Two terms are not learned, because they are choices rather than predictions: how much to
explore (the `explore` term, a Thompson draw's deviation, scaled by the exploration setting)
and how much to favour a smooth join over taste (the closeness setting scales the join terms).

Data: `segue-bench taste --log-outcomes FILE` (simulated listeners whose tastes come from
curator labels, on the tuning set of real analysed music; see crates/segue-bench). Listeners
are split 80/20 by a hash of their id; figures are on the 20 % not fitted on.

Usage: python models/ranker/train_ranker.py LOG.jsonl [--write]
  prints held-out figures of the hand-set weights, a linear model, this additive model and a
  small multilayer perceptron (a Wide & Deep style check for interactions the additive model
  cannot express); with --write, writes models/ranker/ranker.json and models/segue-ranker.onnx
  (byte-identical for the same log). Needs numpy and onnx.
"""
import hashlib
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TERMS = ["sound", "tags", "tempo", "key", "energy", "session", "taste", "novelty", "explore", "time_of_day"]
K = len(TERMS)
EXPLORE = TERMS.index("explore")
TASTE = TERMS.index("taste")
# The join terms, and how the track fits the session: besides what they predict (learned),
# the closeness setting asks for a smooth join as a matter of taste in flow, not of enjoyment
# (simulated listeners only feel a jump to another style). That part is a policy: the hand-set
# weights of models/ranker/weights.json, in log-odds units, falling as the setting moves
# towards exploration.
JOIN = [TERMS.index(t) for t in ["sound", "tags", "tempo", "key", "energy"]]
FLOW = JOIN + [TERMS.index("session")]
# Terms whose shape may only rise: a track that joins better or fits the session better is
# never worse for it (a falling fit would come from sound and tags standing in for each other,
# and a reason "styles unlike X" lowering a score says nothing a listener can use).
RISING = JOIN + [TERMS.index("session"), TASTE]
DEFAULT_EXPLORATION = 0.3
QUANTILES = [0.1, 0.3, 0.5, 0.7, 0.9]
# At exploration 1, 15 % of a Thompson draw's deviation counts (4.5 % at the default 0.3):
# a full draw costs simulated listeners a fifth of what they like within 20 plays.
EXPLORE_SHARE = 0.15
L2 = 1.0


def load(path):
    rows = [json.loads(line) for line in open(path)]
    x = np.array([r["values"] for r in rows], dtype=np.float64)
    y = np.array([1.0 if r["enjoyed"] else 0.0 for r in rows])
    held = np.array([int(hashlib.sha256(r["listener"].encode()).hexdigest(), 16) % 5 == 0 for r in rows])
    return x, y, held


def auc(score, y):
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    # Ties share their mean rank.
    s = score[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j + 2) / 2
        i = j + 1
    pos = y == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return (ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def logloss(p, y):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def fit_logistic(features, y, l2=L2, steps=50):
    """L2-regularised logistic regression by Newton's method (the bias is not regularised)."""
    n, d = features.shape
    a = np.hstack([features, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0
    for _ in range(steps):
        p = sigmoid(a @ w)
        grad = a.T @ (p - y) + reg * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(reg) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-9:
            break
    return w[:-1], w[-1]


def knots_of(x):
    """Each term's spec: None (left out: explore, or no values), else its hinge positions
    (the training values' quantiles, without repeats) beside its linear part."""
    knots = []
    for k in range(K):
        if k == EXPLORE or np.all(x[:, k] == 0):
            knots.append(None)
            continue
        knots.append(sorted(set(np.round(np.quantile(x[:, k], QUANTILES), 6))))
    return knots


def expand(x, knots):
    """Each learned term's value and its hinges, side by side."""
    cols = []
    for k in range(K):
        if knots[k] is None:
            continue
        cols.append(x[:, k])
        for c in knots[k]:
            cols.append(np.maximum(x[:, k] - c, 0.0))
    return np.stack(cols, axis=1)


def shapes(w, knots):
    """The fitted coefficients, per term: (linear, [hinge weights])."""
    out, i = [], 0
    for k in range(K):
        if knots[k] is None:
            out.append((0.0, []))
            continue
        lin = float(w[i])
        hinge = [float(h) for h in w[i + 1 : i + 1 + len(knots[k])]]
        i += 1 + len(knots[k])
        out.append((lin, hinge))
    return out


def fit_rising(x, y, knots):
    """The additive fit, with every RISING term's shape non-decreasing: a term whose fitted
    shape falls anywhere is fitted as a straight line instead, and left out if that falls."""
    knots = [None if k is None else list(k) for k in knots]
    while True:
        w, bias = fit_logistic(expand(x, knots), y)
        fitted = shapes(w, knots)
        bad = None
        for k in RISING:
            if knots[k] is None:
                continue
            lin, hinge = fitted[k]
            # The slope on each segment: the linear part plus the hinges passed so far.
            if min(np.cumsum([lin] + hinge)) < -1e-9:
                bad = k
                break
        if bad is None:
            return w, bias, knots
        knots[bad] = [] if knots[bad] else None


def shape_value(shape, knots, v):
    lin, hinge = shape
    return lin * v + sum(h * np.maximum(v - c, 0.0) for h, c in zip(hinge, knots or []))


def mlp(train_x, train_y, test_x, seed=7, hidden=32, epochs=60):
    """A two-layer perceptron on the standardised term values (Adam, logistic loss)."""
    rng = np.random.default_rng(seed)
    mu, sd = train_x.mean(0), train_x.std(0) + 1e-6
    a, b = (train_x - mu) / sd, (test_x - mu) / sd
    d_in = a.shape[1]
    w1 = rng.normal(0, 1 / np.sqrt(d_in), (d_in, hidden))
    b1 = np.zeros(hidden)
    w2 = rng.normal(0, 1 / np.sqrt(hidden), (hidden, hidden))
    b2 = np.zeros(hidden)
    w3 = rng.normal(0, 1 / np.sqrt(hidden), hidden)
    b3 = 0.0
    params = [w1, b1, w2, b2, w3, np.array([b3])]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = 0
    for _ in range(epochs):
        order = rng.permutation(len(a))
        for start in range(0, len(a), 256):
            idx = order[start : start + 256]
            xb, yb = a[idx], train_y[idx]
            h1 = np.maximum(xb @ params[0] + params[1], 0)
            h2 = np.maximum(h1 @ params[2] + params[3], 0)
            p = sigmoid(h2 @ params[4] + params[5][0])
            d = (p - yb) / len(idx)
            g4 = h2.T @ d
            g5 = np.array([d.sum()])
            dh2 = np.outer(d, params[4]) * (h2 > 0)
            g2 = h1.T @ dh2
            g3 = dh2.sum(0)
            dh1 = dh2 @ params[2].T * (h1 > 0)
            g0 = xb.T @ dh1
            g1 = dh1.sum(0)
            grads = [g0 + 1e-4 * params[0], g1, g2 + 1e-4 * params[2], g3, g4 + 1e-4 * params[4], g5]
            t += 1
            for i, g in enumerate(grads):
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                mh, vh = m[i] / (1 - 0.9**t), v[i] / (1 - 0.999**t)
                params[i] = params[i] - 0.003 * mh / (np.sqrt(vh) + 1e-8)
    h1 = np.maximum(b @ params[0] + params[1], 0)
    h2 = np.maximum(h1 @ params[2] + params[3], 0)
    return sigmoid(h2 @ params[4] + params[5][0])


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    write = "--write" in sys.argv
    if len(args) != 1:
        sys.exit(__doc__)
    x, y, held = load(args[0])
    tr, te = ~held, held
    hand = json.load(open(os.path.join(HERE, "weights.json")))
    hand_w = np.array(hand["base"]) + DEFAULT_EXPLORATION * np.array(hand["slope"])
    print(f"{len(y)} outcomes from {args[0]}: {tr.sum()} to fit, {te.sum()} held out (other listeners)")
    print(f"enjoyed: {y.mean():.1%}")
    results = []
    # The hand-set weights, with a fitted scale and offset (so log loss compares fairly).
    hs = x @ hand_w
    (a,), b = fit_logistic(hs[tr, None], y[tr], l2=0.0)
    results.append(("hand-set weights (scaled)", sigmoid(a * hs[te] + b)))
    # Linear in the term values (the explore term is a choice, left out of every fit).
    learned = [k for k in range(K) if k != EXPLORE]
    w, b = fit_logistic(x[tr][:, learned], y[tr])
    results.append(("linear", sigmoid(x[te][:, learned] @ w + b)))
    # The additive model.
    knots = knots_of(x[tr])
    w, bias, knots = fit_rising(x[tr], y[tr], knots)
    results.append(("additive (chosen)", sigmoid(expand(x[te], knots) @ w + bias)))
    results.append(("MLP 2x32 (interactions)", mlp(x[tr][:, learned], y[tr], x[te][:, learned])))
    print(f"{'model':<28} {'AUC':>6} {'log loss':>9} {'Brier':>7}")
    for name, p in results:
        print(f"{name:<28} {auc(p, y[te]):>6.3f} {logloss(p, y[te]):>9.4f} {np.mean((p - y[te]) ** 2):>7.4f}")

    fitted = shapes(w, knots)
    # What each shape adds at 0 (an absent term adds nothing: the bias takes it).
    at_zero = np.array([shape_value(fitted[k], knots[k], 0.0) for k in range(K)])
    bias = float(bias + at_zero.sum())
    print("\nlearned shapes (log-odds added, relative to the term at 0), at the 10/50/90th percentiles:")
    for k in range(K):
        if knots[k] is None:
            print(f"  {TERMS[k]:<12} (left out)")
            continue
        qs = np.quantile(x[tr][:, k], [0.1, 0.5, 0.9])
        vals = [shape_value(fitted[k], knots[k], q) - at_zero[k] for q in qs]
        print(f"  {TERMS[k]:<12} " + "  ".join(f"{q:+.2f}→{v:+.2f}" for q, v in zip(qs, vals)))

    # The first stage ranks the whole library linearly: each shape's least-squares slope over
    # the values it meets (through 0, where an absent term is).
    slopes = np.zeros(K)
    for k in range(K):
        if knots[k] is None:
            continue
        v = x[tr][:, k]
        g = shape_value(fitted[k], knots[k], v) - at_zero[k]
        slopes[k] = float(v @ g / max(v @ v, 1e-12))
    # Exploration: a Thompson draw's deviation is in the taste term's units; at setting 1 it
    # counts EXPLORE_SHARE of the taste term (a damped Thompson sample), in proportion below.
    explore_per_unit = slopes[TASTE] * EXPLORE_SHARE
    # Terms the simulation has no values for keep their hand-set weight, in log-odds units.
    untrained = [k for k in range(K) if k != EXPLORE and np.all(x[:, k] == 0)]
    for k in untrained:
        slopes[k] = a * hand_w[k]
    # The policy part, on the raw term values: flow (hand-set, scaled to log-odds by the hand
    # model's fitted scale `a`) and exploration.
    hand_base, hand_slope = np.array(hand["base"]), np.array(hand["slope"])
    policy_base = np.zeros(K)
    policy_slope = np.zeros(K)
    for k in FLOW:
        policy_base[k], policy_slope[k] = a * hand_base[k], a * hand_slope[k]
    policy_slope[EXPLORE] = explore_per_unit
    base = slopes + policy_base
    slope = policy_slope.copy()
    print("\nfirst-stage weights (base + slope * exploration):")
    print("  base  ", json.dumps([round(float(v), 3) for v in base]))
    print("  slope ", json.dumps([round(float(v), 3) for v in slope]))
    if untrained:
        print("  kept hand-set (no values in the log): " + ", ".join(TERMS[k] for k in untrained))
    if write:
        model = {
            "comment": "Segue's suggestion ranker, fitted by models/ranker/train_ranker.py on "
            + os.path.basename(args[0]) + "; see models/segue-ranker.md.",
            "terms": TERMS,
            "knots": [[float(c) for c in (knots[k] or [])] for k in range(K)],
            "linear": [float(fitted[k][0]) for k in range(K)],
            "hinges": [[float(h) for h in fitted[k][1]] for k in range(K)],
            "at_zero": [float(v) for v in at_zero],
            "bias": bias,
            "untrained": [TERMS[k] for k in untrained],
            "untrained_weight": [float(slopes[k]) for k in untrained],
            "policy_base": [round(float(v), 4) for v in policy_base],
            "policy_slope": [round(float(v), 4) for v in policy_slope],
            "first_stage_base": [round(float(v), 3) for v in base],
            "first_stage_slope": [round(float(v), 3) for v in slope],
        }
        with open(os.path.join(HERE, "ranker.json"), "w") as f:
            json.dump(model, f, indent=1)
            f.write("\n")
        export(model)
        mirror_first_stage(model)


def mirror_first_stage(model):
    """Writes the first-stage weights into segue-recommend's WEIGHT_BASE and WEIGHT_SLOPE (the
    recommender ranks the whole library with them; crates/segue-analysis/tests/ranker.rs
    checks that they match this file)."""
    import re

    path = os.path.join(HERE, "..", "..", "crates", "segue-recommend", "src", "weights.rs")
    text = open(path).read()
    fmt = lambda xs: "[" + ", ".join(repr(float(x) + 0.0) for x in xs) + "]"
    for name, key in [("WEIGHT_BASE", "first_stage_base"), ("WEIGHT_SLOPE", "first_stage_slope")]:
        text = re.sub(
            r"pub const %s: \[f32; TERM_COUNT\] =\s*\[[^\]]*\];" % name,
            "pub const %s: [f32; TERM_COUNT] = %s;" % (name, fmt(model[key])),
            text,
        )
    open(path, "w").write(text)
    print("wrote", os.path.normpath(path), "(run cargo fmt)")


def export(model):
    import onnx
    from onnx import TensorProto, helper

    knots = model["knots"]
    c = max(1, max(len(k) for k in knots))
    # Terms with fewer hinges are padded with hinges that never bend (weight 0).
    knot_m = np.zeros((K, c), dtype=np.float32)
    hinge_m = np.zeros((K, c), dtype=np.float32)
    for k in range(K):
        for j, (kn, h) in enumerate(zip(knots[k], model["hinges"][k])):
            knot_m[k, j] = kn
            hinge_m[k, j] = h
    linear = np.array(model["linear"], dtype=np.float32)
    at_zero = np.array(model["at_zero"], dtype=np.float32)
    for name, w in zip(model["untrained"], model["untrained_weight"]):
        linear[TERMS.index(name)] = w
    # The policy weights, on the raw term values: base + slope * exploration.
    p0 = np.array(model["policy_base"], dtype=np.float32)
    p1 = np.array(model["policy_slope"], dtype=np.float32)
    # What counts for the chance of enjoying: every term but explore.
    chance_mask = np.ones(K, dtype=np.float32)
    chance_mask[EXPLORE] = 0.0
    t = lambda name, arr: helper.make_tensor(name, TensorProto.FLOAT, arr.shape, arr.flatten().tolist())
    nodes = [
        helper.make_node("Unsqueeze", ["terms", "axis2"], ["terms3"]),
        helper.make_node("Sub", ["terms3", "knots"], ["shifted"]),
        helper.make_node("Relu", ["shifted"], ["hinged"]),
        helper.make_node("Mul", ["hinged", "hinge_weights"], ["weighted"]),
        helper.make_node("ReduceSum", ["weighted", "axis2"], ["hinge_part"], keepdims=0),
        helper.make_node("Mul", ["terms", "linear"], ["linear_part"]),
        helper.make_node("Add", ["hinge_part", "linear_part"], ["shape"]),
        # learned: each term's shape, relative to its value at 0
        helper.make_node("Sub", ["shape", "at_zero"], ["learned"]),
        helper.make_node("Mul", ["p1", "exploration"], ["p1x"]),
        helper.make_node("Add", ["p0", "p1x"], ["policy"]),
        # policy and the user's own offsets, both on the raw values
        helper.make_node("Add", ["policy", "user"], ["per_value"]),
        helper.make_node("Mul", ["terms", "per_value"], ["chosen"]),
        helper.make_node("Add", ["learned", "chosen"], ["contributions"]),
        helper.make_node("ReduceSum", ["contributions", "axis1"], ["scores"], keepdims=0),
        helper.make_node("Mul", ["learned", "chance_mask"], ["evidence"]),
        helper.make_node("ReduceSum", ["evidence", "axis1"], ["evidence_sum"], keepdims=0),
        helper.make_node("Add", ["evidence_sum", "bias"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["chance"]),
    ]
    graph = helper.make_graph(
        nodes,
        "segue_ranker",
        inputs=[
            helper.make_tensor_value_info("terms", TensorProto.FLOAT, ["n", K]),
            helper.make_tensor_value_info("exploration", TensorProto.FLOAT, [1]),
            helper.make_tensor_value_info("user", TensorProto.FLOAT, [K]),
        ],
        outputs=[
            helper.make_tensor_value_info("contributions", TensorProto.FLOAT, ["n", K]),
            helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["n"]),
            helper.make_tensor_value_info("chance", TensorProto.FLOAT, ["n"]),
        ],
        initializer=[
            t("knots", knot_m),
            t("hinge_weights", hinge_m),
            t("linear", linear),
            t("at_zero", at_zero),
            t("p0", p0),
            t("p1", p1),
            t("chance_mask", chance_mask),
            helper.make_tensor("bias", TensorProto.FLOAT, [1], [model["bias"]]),
            helper.make_tensor("axis1", TensorProto.INT64, [1], [1]),
            helper.make_tensor("axis2", TensorProto.INT64, [1], [2]),
        ],
    )
    onnx_model = helper.make_model(graph, producer_name="segue", opset_imports=[helper.make_opsetid("", 17)])
    onnx_model.ir_version = 8
    onnx_model.doc_string = "Segue suggestion ranker (additive, learned); terms: " + ", ".join(TERMS)
    onnx.checker.check_model(onnx_model)
    out = os.path.join(HERE, "..", "segue-ranker.onnx")
    onnx.save(onnx_model, out)
    print("wrote", os.path.normpath(out), "and", os.path.join("models", "ranker", "ranker.json"))
    # The checksum `segue doctor` checks.
    digest = hashlib.sha256(open(out, "rb").read()).hexdigest()
    sums = os.path.join(HERE, "..", "SHA256SUMS")
    lines = [l for l in open(sums).read().splitlines() if not l.endswith("  segue-ranker.onnx")]
    lines.append(f"{digest}  segue-ranker.onnx")
    with open(sums, "w") as f:
        f.write("\n".join(sorted(lines, key=lambda l: l.split("  ")[1])) + "\n")
    print("sha256", digest, "in models/SHA256SUMS")


if __name__ == "__main__":
    main()

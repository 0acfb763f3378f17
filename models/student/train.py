"""Trains Segue's student tagger: a small CNN that reproduces, per 3 s log-mel patch, both
musicnn teachers (MSD tags, MTT tags, MSD 200-d embedding), and exports it to ONNX.

Data: the float16 .npy files written by
`cargo run --release -p segue-analysis --example distill_data` (see that file), one set per
track under DATA/PACKAGE/. Whole packages are held aside (HELD_OUT): never trained or tuned on.

    .local/train-venv/bin/python models/student/train.py train --data .cache/distill \
        --epochs 36 --out .cache/student                      # v1's architecture (the default)
    .local/train-venv/bin/python models/student/train.py train --data .cache/distill \
        --width 384 --blocks 1,2,1,2,1 --epochs E --out .cache/student-v2
    .local/train-venv/bin/python models/student/train.py export --params .cache/student/params.npz \
        --data .cache/distill --onnx models/segue-student.onnx
    .local/train-venv/bin/python models/student/train.py flops [--onnx FILE]

`train` resumes from OUT/params.npz and OUT/state.json when they exist. One CPU thread (the
machine is shared); set SEGUE_TRAIN_THREADS to use more.

The architecture (stem channels, width, block strides, dense width) is chosen by `train`'s
options, whose defaults are v1's (`V1_ARCH`), and written to OUT/arch.json; `export` reads the
arch.json beside the params it is given (v1's when there is none) and checks it against the
weights' shapes, so export and `flops` follow whatever was trained.

The network (ONNX layout: N, channels, time, band), every convolution followed by a ReLU,
shown with v1's sizes (STEM 16, WIDTH 256, blocks 1,2,1,2, dense 256):
  per-band standardisation (constants from the training patches)
  conv 3x3 1->STEM, stride (2,2)                              -> 16 x 94 x 48
  bands folded into channels (band-major)                     -> 768 x 94, a 1-D signal in time
  pointwise 768->WIDTH                                        -> 256 x 94
  depthwise-separable blocks over time (depthwise k3 + pointwise WIDTH->WIDTH), one per
  stride (v1: 1, 2, 1, 2), the stride-1 ones residual         -> 256 x 24
  mean and max over time -> 2 WIDTH -> dense FC -> heads: MSD tags (50, sigmoid), MTT tags
  (50, sigmoid), embedding (200, linear)
The 1-D part sees each frame's whole spectral shape at once, which is what timbre tags need,
and costs little: `flops` prints the count beside musicnn's.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

threads = int(os.environ.get("SEGUE_TRAIN_THREADS", "1"))
os.environ.setdefault(
    "XLA_FLAGS",
    f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} "
    f"intra_op_parallelism_threads={threads}",
)

import numpy as np  # noqa: E402

FRAMES, BANDS, TAGS, EMB = 187, 96, 50, 200
# v1's architecture (models/segue-student.onnx of 2026-12-05), the options' defaults. "blocks":
# depthwise-separable blocks over time, by stride (a stride-1 block is residual).
V1_ARCH = {"stem": 16, "width": 256, "blocks": [1, 2, 1, 2], "fc": 256}
HELD_OUT = ("warzone2100-music", "hyperrogue-music", "flare-game")
ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- data

def load(data_dir, held_out):
    """Patches of the training packages and of the held-out ones, as dicts of arrays
    (float16 as stored) plus, per patch, its track number and augmentation kind."""
    train = {k: [] for k in ("mel", "msd", "mtt", "emb", "aug", "track")}
    held = {k: [] for k in ("mel", "msd", "mtt", "emb", "aug", "track")}
    tracks = []
    for pkg_dir in sorted(p for p in Path(data_dir).iterdir() if p.is_dir()):
        for aug_file in sorted(pkg_dir.glob("*.aug.npy")):
            stem = str(aug_file)[: -len(".aug.npy")]
            target = held if pkg_dir.name in held_out else train
            aug = np.load(aug_file)
            target["aug"].append(aug)
            for k in ("mel", "msd", "mtt", "emb"):
                target[k].append(np.load(f"{stem}.{k}.npy"))
            target["track"].append(np.full(len(aug), len(tracks), np.int32))
            tracks.append((pkg_dir.name, Path(stem).name))
    cat = lambda d: {k: np.concatenate(v) for k, v in d.items()} if d["aug"] else None  # noqa: E731
    return cat(train), cat(held), tracks


# ---------------------------------------------------------------- model

def arch_for(params_path):
    """The architecture of the params at `params_path`: the arch.json beside them (v1's when
    there is none: v1 was trained before it existed). `check_arch` checks it against the
    weights' shapes."""
    path = Path(params_path).with_name("arch.json")
    arch = json.loads(path.read_text()) if path.exists() else dict(V1_ARCH)
    return arch


def check_arch(arch, params):
    blocks = sum(1 for k in params if k.startswith("dw"))
    got = {"stem": int(params["stem"]["w"].shape[0]), "width": int(params["fold"]["w"].shape[0]),
           "blocks": blocks, "fc": int(params["fc"]["w"].shape[1])}
    want = {**arch, "blocks": len(arch["blocks"])}
    if got != want:
        raise SystemExit(f"the weights ({got}) do not match the architecture {arch}")


def init_params(key, mean, std, arch):
    import jax
    import jax.numpy as jnp

    def conv(key, out_c, in_c, kh, kw=None):
        shape = (out_c, in_c, kh) if kw is None else (out_c, in_c, kh, kw)
        fan_in = in_c * kh * (1 if kw is None else kw)
        return {
            "w": jax.random.normal(key, shape) * np.sqrt(2.0 / fan_in),
            "b": jnp.zeros(out_c),
        }

    def dense(key, n_in, n_out, gain=2.0):
        return {"w": jax.random.normal(key, (n_in, n_out)) * np.sqrt(gain / n_in), "b": jnp.zeros(n_out)}

    stem, width, fc = arch["stem"], arch["width"], arch["fc"]
    # 16 keys as v1 drew them (the same split keeps v1's initialisation reproducible).
    k = jax.random.split(key, max(16, 6 + 2 * len(arch["blocks"])))
    params = {
        "norm": {"mean": jnp.asarray(mean, jnp.float32), "std": jnp.asarray(std, jnp.float32)},
        "stem": conv(k[0], stem, 1, 3, 3),
        "fold": conv(k[1], width, stem * BANDS // 2, 1),
        "fc": dense(k[2], 2 * width, fc),
        "msd": dense(k[3], fc, TAGS, 1.0),
        "mtt": dense(k[4], fc, TAGS, 1.0),
        "emb": dense(k[5], fc, EMB, 1.0),
    }
    for i, _ in enumerate(arch["blocks"]):
        params[f"dw{i}"] = conv(k[6 + 2 * i], width, 1, 3)
        params[f"pw{i}"] = conv(k[7 + 2 * i], width, width, 1)
    return params


def forward(params, mel, strides, dilations=None):
    """mel: [B, 187, 96] log-mel; strides: the blocks' (a tuple); dilations: each block's
    depthwise dilation (all 1 when None; `ablate.py` tries others). Returns (msd logits, mtt
    logits, embedding). The sizes, the depthwise kernel's included, come from the weights."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    relu = jax.nn.relu
    # Channels-last inside JAX (XLA's CPU convolutions are fastest so); the weights keep
    # ONNX's OIHW / OIW layout, and the frequency fold takes (band, channel) in the order the
    # ONNX graph's Transpose + Reshape gives.
    x = (mel - params["norm"]["mean"]) / params["norm"]["std"]
    x = lax.conv_general_dilated(x[:, :, :, None], params["stem"]["w"], (2, 2), ((1, 1), (1, 1)),
                                 dimension_numbers=("NHWC", "OIHW", "NHWC"))
    x = relu(x + params["stem"]["b"])  # [B,94,48,16]
    b, t, f, c = x.shape
    x = x.reshape(b, t, f * c)  # [B,94,768], feature f*16+c

    def pointwise(x, p):
        return x @ p["w"][:, :, 0].T + p["b"]

    def depthwise(x, p, stride, dilation):
        # One filter per channel over time ("same" padding), as shifted products (XLA's CPU
        # grouped convolution is slow, above all its gradient); stride 2 keeps the even
        # positions, as ONNX's Conv with stride 2 does.
        t, kernel = x.shape[1], p["w"].shape[2]
        half = kernel // 2 * dilation
        xp = jnp.pad(x, ((0, 0), (half, half), (0, 0)))
        y = sum(xp[:, k * dilation:k * dilation + t, :] * p["w"][:, 0, k] for k in range(kernel)) + p["b"]
        if stride == 2:
            if t % 2:
                y = jnp.pad(y, ((0, 0), (0, 1), (0, 0)))
            y = y.reshape(y.shape[0], -1, 2, y.shape[2])[:, :, 0]
        return y

    x = relu(pointwise(x, params["fold"]))  # [B,94,WIDTH]
    dilations = dilations or (1,) * len(strides)
    for i, stride in enumerate(strides):
        y = relu(pointwise(depthwise(x, params[f"dw{i}"], stride, dilations[i]), params[f"pw{i}"]))
        x = x + y if stride == 1 else y
    pooled = jnp.concatenate([x.mean(axis=1), x.max(axis=1)], axis=1)
    h = relu(pooled @ params["fc"]["w"] + params["fc"]["b"])
    head = lambda n: h @ params[n]["w"] + params[n]["b"]  # noqa: E731
    return head("msd"), head("mtt"), head("emb")


def loss_fn(params, mel, msd, mtt, emb, strides):
    import jax
    import jax.numpy as jnp

    lm, lt, e = forward(params, mel, strides)

    def bce(logits, target):
        # Soft targets: the teacher's probabilities.
        return jnp.mean(jnp.maximum(logits, 0) - logits * target + jnp.log1p(jnp.exp(-jnp.abs(logits))))

    def abs_gap(logits, target):
        return jnp.mean(jnp.abs(jax.nn.sigmoid(logits) - target))

    cos = jnp.sum(e * emb, 1) / (jnp.linalg.norm(e, axis=1) * jnp.linalg.norm(emb, axis=1) + 1e-6)
    mse = jnp.mean((e - emb) ** 2)
    total = bce(lm, msd) + bce(lt, mtt) + 2.0 * (abs_gap(lm, msd) + abs_gap(lt, mtt)) \
        + 0.5 * mse + 0.5 * jnp.mean(1 - cos)
    return total, {"bce": bce(lm, msd) + bce(lt, mtt), "mse": mse, "cos": jnp.mean(cos)}


# ---------------------------------------------------------------- evaluation

def predict(params, mel, strides, batch=256):
    import jax

    fwd = jax.jit(forward, static_argnums=2)
    outs = [[], [], []]
    for i in range(0, len(mel), batch):
        lm, lt, e = fwd(params, mel[i:i + batch].astype(np.float32), tuple(strides))
        outs[0].append(np.asarray(jax.nn.sigmoid(lm)))
        outs[1].append(np.asarray(jax.nn.sigmoid(lt)))
        outs[2].append(np.asarray(e))
    return [np.concatenate(o) for o in outs]


def agreement(track, pred, teacher):
    """Track-level agreement on the held-out patches (clean ones only: those analysis
    scores), as the benchmark measures it from audio: means over a track's patches."""
    rows = []
    for t in np.unique(track):
        sel = track == t
        p = [x[sel].mean(0) for x in pred]
        q = [x[sel].astype(np.float32).mean(0) for x in teacher]
        top = [len(set(np.argsort(-p[i])[:5]) & set(np.argsort(-q[i])[:5])) for i in (0, 1)]
        gap = max(np.abs(p[0] - q[0]).max(), np.abs(p[1] - q[1]).max())
        cos = float(p[2] @ q[2] / (np.linalg.norm(p[2]) * np.linalg.norm(q[2]) + 1e-9))
        rows.append((min(top), gap, cos))
    rows = np.array(rows)
    return {
        "tracks": len(rows),
        "top5_ge4": float(np.mean(rows[:, 0] >= 4)),
        "gap_le_0.05": float(np.mean(rows[:, 1] <= 0.05)),
        "cos_ge_0.95": float(np.mean(rows[:, 2] >= 0.95)),
        "worst_gap": float(rows[:, 1].max()),
        "worst_cos": float(rows[:, 2].min()),
    }


# ---------------------------------------------------------------- training

def save(params, path):
    import jax

    flat = {"/".join(str(getattr(k, "key", k)) for k in kp): np.asarray(v)
            for kp, v in jax.tree_util.tree_flatten_with_path(params)[0]}
    tmp = str(path) + ".tmp.npz"
    np.savez(tmp, **flat)
    os.replace(tmp, path)


def restore(path):
    import jax.numpy as jnp

    params = {}
    with np.load(path) as z:
        for name in z.files:
            group, leaf = name.split("/")
            params.setdefault(group, {})[leaf] = jnp.asarray(z[name])
    return params


def train(args):
    import jax
    import jax.numpy as jnp
    import optax

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    tr, held, tracks = load(args.data, HELD_OUT)
    print(f"loaded {len(tr['aug'])} training patches ({len(np.unique(tr['track']))} tracks), "
          f"{len(held['aug'])} held-out ({len(np.unique(held['track']))} tracks, "
          f"packages {', '.join(HELD_OUT)}) in {time.time() - t0:.0f} s", flush=True)
    steps_per_epoch = len(tr["aug"]) // args.batch
    if args.steps_per_epoch:
        steps_per_epoch = min(steps_per_epoch, args.steps_per_epoch)
    total_steps = steps_per_epoch * args.epochs
    state_file, params_file, arch_file = out / "state.json", out / "params.npz", out / "arch.json"
    arch = {"stem": args.stem, "width": args.width,
            "blocks": [int(b) for b in args.blocks.split(",")], "fc": args.fc}
    if params_file.exists() and state_file.exists():
        params = restore(params_file)
        if arch_for(params_file) != arch:
            raise SystemExit(f"{out} holds a run of {arch_for(params_file)}, not {arch}")
        check_arch(arch, params)
        state = json.loads(state_file.read_text())
        start_epoch, step = state["epoch"], state["step"]
        print(f"resumed after epoch {start_epoch} (step {step})", flush=True)
    else:
        sample = tr["mel"][:: max(1, len(tr["mel"]) // 2000)].astype(np.float32)
        mean, std = sample.mean(axis=(0, 1)), sample.std(axis=(0, 1)) + 1e-3
        params = init_params(jax.random.PRNGKey(args.seed), mean, std, arch)
        start_epoch, step = 0, 0
        state = {"history": [], "arch": arch}
        arch_file.write_text(json.dumps(arch))
    strides = tuple(arch["blocks"])
    print(f"architecture {arch}", flush=True)
    schedule = optax.warmup_cosine_decay_schedule(0.0, args.lr, min(500, total_steps // 10),
                                                  total_steps, args.lr * 0.02)
    # A resumed run continues the schedule from its step (the optimiser's moments are not
    # kept: they re-warm within a few steps).
    offset = step
    opt = optax.chain(optax.clip_by_global_norm(1.0),
                      optax.adamw(lambda count: schedule(count + offset), weight_decay=1e-4,
                                  mask=lambda p: {k: jax.tree_util.tree_map(lambda _: k != "norm", v)
                                                  for k, v in p.items()}))
    opt_state = opt.init(params)

    @jax.jit
    def train_step(params, opt_state, mel, msd, mtt, emb):
        (loss, parts), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, mel, msd, mtt, emb, strides)
        # The input standardisation is fixed, not learned.
        grads = {**grads, "norm": jax.tree_util.tree_map(jnp.zeros_like, grads["norm"])}
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss, parts

    clean_held = held["aug"] == 0
    rng = np.random.default_rng(args.seed)
    for epoch in range(start_epoch, args.epochs):
        order = rng.permutation(len(tr["aug"]))
        te = time.time()
        losses = []
        for i in range(steps_per_epoch):
            idx = np.sort(order[i * args.batch:(i + 1) * args.batch])
            batch = [tr[k][idx].astype(np.float32) for k in ("mel", "msd", "mtt", "emb")]
            params, opt_state, loss, parts = train_step(params, opt_state, *batch)
            step += 1
            losses.append(float(loss))
            if i % 100 == 0:
                print(f"  epoch {epoch + 1} step {i}/{steps_per_epoch} loss {np.mean(losses[-100:]):.4f} "
                      f"cos {float(parts['cos']):.3f} ({time.time() - te:.0f} s)", flush=True)
        pred = predict(params, held["mel"][clean_held], strides)
        teacher = [held[k][clean_held] for k in ("msd", "mtt", "emb")]
        agree = agreement(held["track"][clean_held], pred, teacher)
        patch_gap = float(np.mean([np.abs(p - q.astype(np.float32)).mean() for p, q in zip(pred[:2], teacher[:2])]))
        record = {"epoch": epoch + 1, "step": step, "train_loss": float(np.mean(losses)),
                  "held_patch_mean_abs_tag_gap": patch_gap, "held_tracks": agree,
                  "seconds": round(time.time() - te)}
        state["history"].append(record)
        state.update(epoch=epoch + 1, step=step)
        save(params, params_file)
        state_file.write_text(json.dumps(state, indent=1))
        print(json.dumps(record), flush=True)


# ---------------------------------------------------------------- ONNX

def export(args):
    """Builds the ONNX graph with onnx.helper from the trained weights (same operators as
    `forward`), then checks ONNX Runtime's outputs against JAX's on held-out patches."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    p = {g: {k: np.asarray(v, np.float32) for k, v in d.items()} for g, d in restore(args.params).items()}
    arch = arch_for(args.params)
    check_arch(arch, p)
    print(f"architecture {arch}")
    stem, width = arch["stem"], arch["width"]
    inits, nodes = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op, inputs, output, **attrs):
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    x = node("Sub", ["melspec", const("norm_mean", p["norm"]["mean"])], "centred")
    x = node("Div", [x, const("norm_std", p["norm"]["std"])], "standardised")
    x = node("Unsqueeze", [x, const("axis1", np.array([1], np.int64))], "image")
    x = node("Conv", [x, const("stem_w", p["stem"]["w"]), const("stem_b", p["stem"]["b"])], "stem",
             kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    x = node("Relu", [x], "stem_relu")  # [B,16,94,48]
    x = node("Transpose", [x], "freq_major", perm=[0, 3, 1, 2])  # [B,F,C,T]: feature f*16+c
    x = node("Reshape", [x, const("fold_shape", np.array([0, stem * BANDS // 2, -1], np.int64))], "folded")
    x = node("Conv", [x, const("fold_w", p["fold"]["w"]), const("fold_b", p["fold"]["b"])], "fold",
             kernel_shape=[1])
    x = node("Relu", [x], "fold_relu")
    for i, stride in enumerate(arch["blocks"]):
        y = node("Conv", [x, const(f"dw{i}_w", p[f"dw{i}"]["w"]), const(f"dw{i}_b", p[f"dw{i}"]["b"])],
                 f"dw{i}", kernel_shape=[3], strides=[stride], pads=[1, 1], group=width)
        y = node("Conv", [y, const(f"pw{i}_w", p[f"pw{i}"]["w"]), const(f"pw{i}_b", p[f"pw{i}"]["b"])],
                 f"pw{i}", kernel_shape=[1])
        y = node("Relu", [y], f"block{i}_relu")
        x = node("Add", [x, y], f"block{i}") if stride == 1 else y
    mean = node("ReduceMean", [x], "time_mean", axes=[2], keepdims=0)
    peak = node("ReduceMax", [x], "time_max", axes=[2], keepdims=0)
    x = node("Concat", [mean, peak], "pooled", axis=1)
    x = node("Gemm", [x, const("fc_w", p["fc"]["w"]), const("fc_b", p["fc"]["b"])], "fc")
    x = node("Relu", [x], "fc_relu")
    for head, out in (("msd", "tags"), ("mtt", "tags_mtt")):
        logits = node("Gemm", [x, const(f"{head}_w", p[head]["w"]), const(f"{head}_b", p[head]["b"])], f"{head}_logits")
        node("Sigmoid", [logits], out)
    node("Gemm", [x, const("emb_w", p["emb"]["w"]), const("emb_b", p["emb"]["b"])], "embedding")
    graph = helper.make_graph(
        nodes, "segue_student",
        [helper.make_tensor_value_info("melspec", TensorProto.FLOAT, ["patches", FRAMES, BANDS])],
        [helper.make_tensor_value_info("tags", TensorProto.FLOAT, ["patches", TAGS]),
         helper.make_tensor_value_info("tags_mtt", TensorProto.FLOAT, ["patches", TAGS]),
         helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["patches", EMB])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="segue models/student/train.py")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, args.onnx)
    print(f"wrote {args.onnx} ({os.path.getsize(args.onnx)} bytes)")

    import onnxruntime as ort

    _, held, _ = load(args.data, HELD_OUT)
    mel = held["mel"][held["aug"] == 0][:: max(1, int((held["aug"] == 0).sum()) // 64)][:64].astype(np.float32)
    jax_out = predict(restore(args.params), mel, arch["blocks"])
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(args.onnx, opts, providers=["CPUExecutionProvider"])
    onnx_out = sess.run(["tags", "tags_mtt", "embedding"], {"melspec": mel})
    for name, a, b in zip(("tags (MSD)", "tags_mtt", "embedding"), jax_out, onnx_out):
        print(f"ONNX vs JAX on {len(mel)} held-out patches, {name}: max abs diff {np.abs(a - b).max():.2e}")
    single = sess.run(["tags"], {"melspec": mel[:1]})[0]
    print(f"ONNX batch of 1 vs batch of {len(mel)}, tags: max abs diff {np.abs(single - onnx_out[0][:1]).max():.2e}")


def count_flops(path):
    """Multiply-adds of Conv, Gemm and MatMul nodes (the bulk of the work) × 2, for one patch."""
    import onnx
    from onnx import shape_inference

    model = onnx.load(path)
    inp = model.graph.input[0]
    dims = inp.type.tensor_type.shape.dim
    dims[0].ClearField("dim_param")
    dims[0].dim_value = 1
    model = shape_inference.infer_shapes(model)
    shapes = {}
    for vi in list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output):
        shapes[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    for init in model.graph.initializer:
        shapes[init.name] = list(init.dims)
    flops = 0
    for n in model.graph.node:
        if n.op_type == "Conv":
            w = shapes[n.input[1]]
            out = shapes.get(n.output[0])
            flops += 2 * int(np.prod(out)) * int(np.prod(w[1:]))
        elif n.op_type in ("Gemm", "MatMul"):
            a, b = shapes.get(n.input[0]), shapes.get(n.input[1])
            out = shapes.get(n.output[0])
            k = b[0] if n.op_type == "MatMul" or not any(a.name == "transB" and a.i for a in n.attribute) else b[1]
            flops += 2 * int(np.prod(out)) * k
    return flops


def flops(args):
    models = ROOT / "models"
    teacher = sum(count_flops(models / f) for f in ("musicnn-msd.onnx", "musicnn-mtt.onnx"))
    for f in ("musicnn-msd.onnx", "musicnn-mtt.onnx"):
        print(f"{f}: {count_flops(models / f) / 1e6:,.1f} MFLOP per patch")
    student = models / "segue-student.onnx" if args.onnx is None else Path(args.onnx)
    if student.exists():
        s = count_flops(student)
        print(f"{student.name}: {s / 1e6:,.1f} MFLOP per patch (all three heads), "
              f"{100 * s / teacher:.2f} % of both musicnn models ({teacher / 1e6:,.0f} MFLOP)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", default=str(ROOT / ".cache/distill"))
    t.add_argument("--out", default=str(ROOT / ".cache/student"))
    t.add_argument("--epochs", type=int, default=36)
    t.add_argument("--batch", type=int, default=64)
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--seed", type=int, default=19)
    t.add_argument("--steps-per-epoch", type=int, default=0, help="cap (0: the whole set), for a smoke test")
    t.add_argument("--stem", type=int, default=V1_ARCH["stem"], help="stem channels (v1: 16)")
    t.add_argument("--width", type=int, default=V1_ARCH["width"], help="channels over time (v1: 256)")
    t.add_argument("--blocks", default=",".join(map(str, V1_ARCH["blocks"])),
                   help="the blocks' strides, 1 or 2 (v1: 1,2,1,2)")
    t.add_argument("--fc", type=int, default=V1_ARCH["fc"], help="dense layer before the heads (v1: 256)")
    e = sub.add_parser("export")
    e.add_argument("--params", default=str(ROOT / ".cache/student/params.npz"))
    e.add_argument("--data", default=str(ROOT / ".cache/distill"))
    e.add_argument("--onnx", default=str(ROOT / "models/segue-student.onnx"))
    f = sub.add_parser("flops")
    f.add_argument("--onnx", default=None)
    args = ap.parse_args()
    {"train": train, "export": export, "flops": flops}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())

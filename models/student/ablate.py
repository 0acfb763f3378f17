"""Two questions about why the student falls short of musicnn (issue 19), asked on the training
packages only: does it lack reach in time, or variety of music?

    .local/train-venv/bin/python models/student/ablate.py [EPOCHS] [RUNS] [--steps N]

RUNS is any of A, B, C (default ABC); --steps caps the updates per epoch (a smoke test).
Validation: two training packages chosen before any result and taken out of training,
singularity-music (ambient, the student's weakest style) and megaglest-data (orchestral);
clean patches only, track-level means as analysis stores them. The held-out packages
(`train.HELD_OUT`) are never loaded. Every run: v1's recipe (`train.py`), seed 19, the same
number of updates.
  A  v1's network on the other 15 packages
  B  A with depthwise kernels of 9 and dilations 1,1,2,4 (reach about 1.2 s instead of 0.3 s)
  C  v1's network on every other one of the 15 packages (by name)
Results: crates/segue-bench/results/2026-12-06-student-ablation.txt.
"""

import functools
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train  # noqa: E402  (sets the thread count before JAX loads)

np = train.np
VALID = ("singularity-music", "megaglest-data")


def load(data_dir, half=False):
    """(training, validation) patches as `train.load` gives them; validation keeps clean
    patches only. `half`: every other training package by name."""
    data = Path(data_dir)
    names = [p.name for p in sorted(data.iterdir()) if p.is_dir()]
    training = [n for n in names if n not in train.HELD_OUT + VALID]
    dropped = set(training[1::2]) if half else set()
    keys = ("mel", "msd", "mtt", "emb", "aug", "track")
    tr, va = {k: [] for k in keys}, {k: [] for k in keys}
    n = 0
    for name in names:
        if name in train.HELD_OUT or name in dropped:
            continue
        target = va if name in VALID else tr
        for aug_file in sorted((data / name).glob("*.aug.npy")):
            stem = str(aug_file)[: -len(".aug.npy")]
            aug = np.load(aug_file)
            keep = aug == 0 if target is va else np.ones(len(aug), bool)
            target["aug"].append(aug[keep])
            for k in ("mel", "msd", "mtt", "emb"):
                target[k].append(np.load(f"{stem}.{k}.npy")[keep])
            target["track"].append(np.full(int(keep.sum()), n, np.int32))
            n += 1
    cat = lambda d: {k: np.concatenate(v) for k, v in d.items()}  # noqa: E731
    return cat(tr), cat(va)


def run(name, kernel, dilations, epochs, steps, tr, va):
    import jax
    import jax.numpy as jnp
    import optax

    arch = train.V1_ARCH
    strides = tuple(arch["blocks"])
    sample = tr["mel"][:: max(1, len(tr["mel"]) // 2000)].astype(np.float32)
    mean, std = sample.mean(axis=(0, 1)), sample.std(axis=(0, 1)) + 1e-3
    params = train.init_params(jax.random.PRNGKey(19), mean, std, arch)
    if kernel != 3:
        keys = jax.random.split(jax.random.PRNGKey(7), len(strides))
        for i in range(len(strides)):
            params[f"dw{i}"]["w"] = jax.random.normal(keys[i], (arch["width"], 1, kernel)) * np.sqrt(2.0 / kernel)
    # train.loss_fn and train.predict call the module's forward; the kernel comes from the
    # weights.
    train.forward = functools.partial(FORWARD, dilations=tuple(dilations))
    total = steps * epochs
    schedule = optax.warmup_cosine_decay_schedule(0.0, 2e-3, min(500, total // 10), total, 2e-3 * 0.02)
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(
        schedule, weight_decay=1e-4,
        mask=lambda p: {k: jax.tree_util.tree_map(lambda _: k != "norm", v) for k, v in p.items()}))
    opt_state = opt.init(params)

    @jax.jit
    def step(params, opt_state, mel, msd, mtt, emb):
        (loss, _), grads = jax.value_and_grad(train.loss_fn, has_aux=True)(params, mel, msd, mtt, emb, strides)
        grads = {**grads, "norm": jax.tree_util.tree_map(jnp.zeros_like, grads["norm"])}
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    rng = np.random.default_rng(19)
    for epoch in range(epochs):
        started = time.time()
        order = rng.permutation(len(tr["aug"]))
        losses = []
        for i in range(steps):
            # A smaller set than A's is gone through more than once per epoch.
            while (i + 1) * 64 > len(order):
                order = np.concatenate([order, rng.permutation(len(tr["aug"]))])
            idx = np.sort(order[i * 64:(i + 1) * 64])
            batch = [tr[k][idx].astype(np.float32) for k in ("mel", "msd", "mtt", "emb")]
            params, opt_state, loss = step(params, opt_state, *batch)
            losses.append(float(loss))
        pred = train.predict(params, va["mel"], strides)
        agree = train.agreement(va["track"], pred, [va[k] for k in ("msd", "mtt", "emb")])
        print(json.dumps({"run": name, "epoch": epoch + 1, "train_loss": round(float(np.mean(losses)), 4),
                          "valid": agree, "seconds": round(time.time() - started)}), flush=True)


FORWARD = train.forward


def main():
    args = [a for a in sys.argv[1:]]
    cap = None
    if "--steps" in args:
        i = args.index("--steps")
        cap = int(args[i + 1])
        del args[i:i + 2]
    epochs = int(args[0]) if args else 10
    runs = args[1] if len(args) > 1 else "ABC"
    data = train.ROOT / ".cache/distill"
    tr, va = load(data)
    steps = min(cap or 10**9, len(tr["aug"]) // 64)  # A's epoch, for every run
    print(f"train {len(tr['aug'])} patches, {len(np.unique(tr['track']))} tracks; validation "
          f"{len(va['aug'])} clean patches, {len(np.unique(va['track']))} tracks", flush=True)
    if "A" in runs:
        run("A v1", 3, (1, 1, 1, 1), epochs, steps, tr, va)
    if "B" in runs:
        run("B k9 dil 1,1,2,4", 9, (1, 1, 2, 4), epochs, steps, tr, va)
    if "C" in runs:
        half, va = load(data, half=True)
        print(f"C: {len(half['aug'])} patches, {len(np.unique(half['track']))} tracks", flush=True)
        run("C v1, half the training packages", 3, (1, 1, 1, 1), epochs, steps, half, va)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Export the musicnn taggers (PyPI `musicnn` 0.1.0) to ONNX.

For each of MSD_musicnn and MTT_musicnn this script:
  1. builds the package's own TF1 graph with `musicnn.models.define_model(x, False, ...)`
     (a Python False for training mode, so batch norm uses its moving statistics, dropout
     is the identity and no conditional ops end up in the graph),
  2. restores the checkpoint folder shipped inside the installed package,
  3. freezes it (variables -> constants, training nodes removed, outputs protected),
  4. converts it with tf2onnx (opset 17), names the tensors `melspec` -> `tags`, `embedding`
     with a dynamic first dimension `patches`,
  5. checks ONNX Runtime against TensorFlow on real input (the package's own log-mel of
     the lossless demo tracks) and against the package's `extractor` (tags),
  6. writes models/musicnn-<msd|mtt>.onnx, .labels.txt and the model card .md.

Run through `bash models/export/run.sh` (it sets up the pinned venv).
"""

from common import sha256_file  # noqa: E402  (next to this script)
import json
import os
import re
import sys
import warnings

# Keep CPU use modest (the machine is shared); must be set before TF / ORT load.
for var in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
            "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# musicnn's tf.compat.v1.layers calls each print a deprecation warning.
warnings.filterwarnings("ignore", category=UserWarning)

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402

import musicnn  # noqa: E402
from musicnn import configuration as mconfig  # noqa: E402
from musicnn import extractor as mextractor  # noqa: E402  (disables eager execution)
from musicnn import models as mmodels  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS_DIR = os.path.join(REPO, "models")
PKG_DIR = os.path.dirname(musicnn.__file__)

N_FRAMES = 187
N_MELS = mconfig.N_MELS
OPSET = 17

# Lossless tracks of the demo library used as real input for the parity checks
# (the same files make_references.py uses).
DEMO_FILES = [
    "assets/demo/Maxstack/Endgame - Singularity Original Soundtrack/01 Awakening.flac",
    "assets/demo/Wansti/SuperTux Soundtrack/04 Boss Attack.wav",
    "assets/demo/Wesnoth Project/The Battle for Wesnoth OST/01 Main Theme.flac",
    "assets/demo/Shawn Parrotte/HyperRogue Soundtrack/04 R'Lyeh.aiff",
]

# sha256 of the distribution files on PyPI (pip installs the wheel).
MUSICNN_WHEEL = ("musicnn-0.1.0-py3-none-any.whl",
                 "f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa")
MUSICNN_SDIST = ("musicnn-0.1.0.tar.gz",
                 "674ccc1fb638e6894f99197cfc2794b90d96444292ea28cedee96de0f74c4abd")

MODELS = {
    "msd": {
        "name": "MSD_musicnn",
        "labels": mconfig.MSD_LABELS,
        "title": "musicnn MSD tagger (MSD_musicnn)",
        "trained_on": (
            "audio of the Million Song Dataset with its 50 most frequent Last.fm tags "
            "(genres, moods, eras, instrumentation)"),
        "published": "ROC-AUC 0.8802, PR-AUC 0.2891 (MSD test set)",
    },
    "mtt": {
        "name": "MTT_musicnn",
        "labels": mconfig.MTT_LABELS,
        "title": "musicnn MagnaTagATune tagger (MTT_musicnn)",
        "trained_on": (
            "the MagnaTagATune dataset with its 50 most frequent tags (instruments, "
            "genres, moods, vocals)"),
        "published": "ROC-AUC 0.9067, PR-AUC 0.3831 (MagnaTagATune test set)",
    },
}


def session_config():
    return tf.compat.v1.ConfigProto(intra_op_parallelism_threads=1,
                                    inter_op_parallelism_threads=1)


def ort_session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def build_and_freeze(model_name, num_classes):
    """Returns (frozen GraphDef, restored-session runner for the unfrozen graph)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, N_MELS], name="melspec")
        with tf.name_scope("model"):  # as in musicnn.extractor
            (logits, _timbral, _temporal, _cnn1, _cnn2, _cnn3, _mean_pool, _max_pool,
             penultimate) = mmodels.define_model(x, False, model_name, num_classes)
        tags = tf.identity(tf.nn.sigmoid(logits), name="tags")
        embedding = tf.identity(penultimate, name="embedding")
        sess = tf.compat.v1.Session(graph=graph, config=session_config())
        saver = tf.compat.v1.train.Saver()
        # The checkpoint files are named `.index`/`.data-00000-of-00001` inside the folder,
        # so the checkpoint prefix is the folder itself with a trailing slash.
        saver.restore(sess, os.path.join(PKG_DIR, model_name) + "/")
        frozen = tf.compat.v1.graph_util.convert_variables_to_constants(
            sess, graph.as_graph_def(), ["tags", "embedding"])
        frozen = tf.compat.v1.graph_util.remove_training_nodes(
            frozen, protected_nodes=["melspec", "tags", "embedding"])

    def run_tf(batch):
        return sess.run([tags, embedding], feed_dict={x: batch})

    return frozen, run_tf


def run_frozen(frozen, batch):
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(frozen, name="")
        with tf.compat.v1.Session(graph=graph, config=session_config()) as sess:
            return sess.run(["tags:0", "embedding:0"], feed_dict={"melspec:0": batch})


def canonicalize(model_proto):
    """Make the file reproducible: tf2onnx's generated names (`..__<n>`), which of several
    merged duplicate nodes gives its name, and the initializer order change from run to run
    although the graph is the same. Give generated names sequential, content-free names in
    order of first use (`<OpType>__g<k>` for nodes and their outputs, `const__g<k>` for
    initializers) and sort the initializers by first use."""
    graph = model_proto.graph
    keep = {v.name for v in list(graph.input) + list(graph.output)}
    generated = re.compile(r"__\d+")
    mapping = {}
    counter = [0]

    def is_generated(name):
        return bool(name) and name not in keep and bool(generated.search(name))

    def fresh(prefix):
        counter[0] += 1
        return "%s__g%d" % (prefix, counter[0])

    first_use = {}
    for node in graph.node:
        for i, x in enumerate(node.input):
            first_use.setdefault(x, len(first_use))
            if is_generated(x) and x not in mapping:
                mapping[x] = fresh("const")  # used before produced: an initializer
            node.input[i] = mapping.get(x, x)
        node_name = fresh(node.op_type) if is_generated(node.name) else node.name
        for i, x in enumerate(node.output):
            if is_generated(x):
                mapping[x] = "%s:%d" % (node_name if node_name != node.name
                                        else fresh(node.op_type), i)
            node.output[i] = mapping.get(x, x)
        node.name = node_name
    inits = sorted(graph.initializer,
                   key=lambda t: (first_use.get(t.name, len(first_use)), t.name))
    inits = [type(t).FromString(t.SerializeToString()) for t in inits]
    for t in inits:
        t.name = mapping.get(t.name, t.name)
    del graph.initializer[:]
    graph.initializer.extend(inits)
    for vi in graph.value_info:
        vi.name = mapping.get(vi.name, vi.name)
    return model_proto


def make_tf2onnx_deterministic():
    """tf2onnx's optimisers iterate over sets of Node objects, which hash by memory address,
    so the optimised graph can differ between runs (all variants are numerically the same).
    Hash nodes by creation order instead; with PYTHONHASHSEED fixed (main() re-executes
    itself with PYTHONHASHSEED=0) the conversion is then reproducible byte for byte."""
    import itertools
    from tf2onnx import graph as tf2onnx_graph
    node_cls = tf2onnx_graph.Node
    if getattr(node_cls, "_segue_deterministic", False):
        return
    seq = itertools.count()
    orig_init = node_cls.__init__

    def __init__(self, *args, **kwargs):
        self._segue_seq = next(seq)
        orig_init(self, *args, **kwargs)

    node_cls.__init__ = __init__
    node_cls.__hash__ = lambda self: self._segue_seq
    node_cls._segue_deterministic = True


def convert(frozen, out_path):
    make_tf2onnx_deterministic()
    model_proto, _ = tf2onnx.convert.from_graph_def(
        frozen,
        input_names=["melspec:0"],
        output_names=["tags:0", "embedding:0"],
        opset=OPSET,
        tensors_to_rename={"melspec:0": "melspec", "tags:0": "tags",
                           "embedding:0": "embedding"},
    )
    # A readable name for the dynamic first dimension.
    for vi in list(model_proto.graph.input) + list(model_proto.graph.output):
        vi.type.tensor_type.shape.dim[0].ClearField("dim_value")
        vi.type.tensor_type.shape.dim[0].dim_param = "patches"
    canonicalize(model_proto)
    model_proto.producer_name = "segue models/export/export_musicnn.py (tf2onnx %s)" % (
        tf2onnx.__version__)
    onnx.checker.check_model(model_proto)
    onnx.save(model_proto, out_path)
    return model_proto


def demo_batches():
    """The package's own log-mel patches (musicnn.extractor.batch_data) of the demo files."""
    out = []
    for rel in DEMO_FILES:
        batch, _ = mextractor.batch_data(os.path.join(REPO, rel), N_FRAMES, N_FRAMES)
        out.append((rel, batch.astype(np.float32)))
    return out


def io_description(model_proto):
    def dims(vi):
        return [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]
    return ([(i.name, dims(i)) for i in model_proto.graph.input],
            [(o.name, dims(o)) for o in model_proto.graph.output])


def export_one(key, batches):
    spec = MODELS[key]
    name = spec["name"]
    labels = spec["labels"]
    assert len(labels) == 50
    onnx_path = os.path.join(MODELS_DIR, "musicnn-%s.onnx" % key)

    print("== %s" % name, flush=True)
    frozen, run_tf = build_and_freeze(name, len(labels))
    model_proto = convert(frozen, onnx_path)
    ins, outs = io_description(model_proto)
    print("   inputs %s outputs %s" % (ins, outs))
    sess = ort_session(onnx_path)

    all_batch = np.concatenate([b for _, b in batches], axis=0)
    tf_tags, tf_emb = run_tf(all_batch)
    fr_tags, fr_emb = run_frozen(frozen, all_batch)
    ox_tags, ox_emb = sess.run(["tags", "embedding"], {"melspec": all_batch})
    assert ox_tags.shape == (all_batch.shape[0], 50), ox_tags.shape
    assert ox_emb.shape == (all_batch.shape[0], 200), ox_emb.shape

    # Batch size 1 through ONNX must give the same result as the full batch.
    one = np.concatenate([sess.run(["tags"], {"melspec": all_batch[i:i + 1]})[0]
                          for i in range(all_batch.shape[0])], axis=0)

    # The package's own extractor (its graph feeds an is_training placeholder = False).
    ext_tags = []
    for rel, _ in batches:
        taggram, _ = mextractor.extractor(os.path.join(REPO, rel), model=name,
                                          input_length=3, input_overlap=False,
                                          extract_features=False)
        ext_tags.append(np.asarray(taggram, dtype=np.float32))
    ext_tags = np.concatenate(ext_tags, axis=0)

    parity = {
        "patches": int(all_batch.shape[0]),
        "files": len(batches),
        "onnx_vs_tf_tags": float(np.max(np.abs(ox_tags - tf_tags))),
        "onnx_vs_tf_embedding": float(np.max(np.abs(ox_emb - tf_emb))),
        "frozen_vs_tf_tags": float(np.max(np.abs(fr_tags - tf_tags))),
        "frozen_vs_tf_embedding": float(np.max(np.abs(fr_emb - tf_emb))),
        "onnx_vs_extractor_tags": float(np.max(np.abs(ox_tags - ext_tags))),
        "onnx_batch1_vs_batched_tags": float(np.max(np.abs(one - ox_tags))),
        "embedding_abs_max": float(np.max(np.abs(tf_emb))),
    }
    for k, v in parity.items():
        print("   %-30s %s" % (k, v))
    assert parity["onnx_vs_tf_tags"] < 1e-4 and parity["onnx_vs_tf_embedding"] < 1e-3
    assert parity["onnx_vs_extractor_tags"] < 1e-4

    with open(os.path.join(MODELS_DIR, "musicnn-%s.labels.txt" % key), "w") as f:
        f.write("".join(label + "\n" for label in labels))

    write_card(key, spec, onnx_path, ins, outs, parity)
    return parity


def versions():
    import librosa
    import soxr
    import soundfile
    return {
        "python": sys.version.split()[0],
        "tensorflow-cpu": tf.__version__,
        "tf2onnx": tf2onnx.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "numpy": np.__version__,
        "librosa": librosa.__version__,
        "soxr": soxr.__version__,
        "soundfile": soundfile.__version__,
    }


def write_card(key, spec, onnx_path, ins, outs, parity):
    name = spec["name"]
    labels = spec["labels"]
    ckpt_dir = os.path.join(PKG_DIR, name)
    ckpt_files = sorted(f for f in os.listdir(ckpt_dir) if f.startswith("."))
    ckpt_lines = "\n".join("  - `musicnn/%s/%s`: sha256 `%s`" % (name, f, sha256_file(
        os.path.join(ckpt_dir, f))) for f in ckpt_files)
    with open(os.path.join(PKG_DIR, "..", "musicnn-0.1.0.dist-info", "LICENSE.md")) as f:
        licence = f.read().strip()
    label_list = ", ".join("%d `%s`" % (i, l) for i, l in enumerate(labels))
    v = versions()
    size = os.path.getsize(onnx_path)
    card = f"""# {spec['title']}

`musicnn-{key}.onnx` ({size:,} bytes) is the `{name}` model of the musicnn package,
exported unchanged to ONNX. Labels, in output order: `musicnn-{key}.labels.txt`.

- **sha256 of `musicnn-{key}.onnx`**: `{sha256_file(onnx_path)}`
- **Regenerate**: `bash models/export/run.sh` (pinned venv in `.cache/musicnn-venv`,
  script `models/export/export_musicnn.py`; references by `models/export/make_references.py`).

## Source

- PyPI package **musicnn 0.1.0** (https://github.com/jordipons/musicnn), installed with
  `pip install --no-deps` (its declared dependencies, e.g. numpy<1.17, are obsolete).
  - installed wheel `{MUSICNN_WHEEL[0]}`: sha256 `{MUSICNN_WHEEL[1]}`
  - (sdist `{MUSICNN_SDIST[0]}` on PyPI: sha256 `{MUSICNN_SDIST[1]}`)
- Checkpoint: the folder `musicnn/{name}/` inside the installed package (TF1 checkpoint whose
  prefix is the folder itself):
{ckpt_lines}
- Graph: the package's own `musicnn.models.define_model(x, False, '{name}', 50)` (training
  flag = Python `False`), frozen, converted with tf2onnx {v['tf2onnx']} at opset {OPSET}
  (tensorflow-cpu {v['tensorflow-cpu']}, onnx {v['onnx']}).
- Authors: Jordi Pons and Xavier Serra, Music Technology Group, Universitat Pompeu Fabra.
  Paper: J. Pons, X. Serra, "musicnn: pre-trained convolutional neural networks for music
  audio tagging", ISMIR 2019 late-breaking/demo.

## Licence

ISC. It is the package's only licence, and the checkpoints are distributed inside the package
under it, so it covers both the code and the weights (and this derived ONNX file). Text, as
shipped in the package (`musicnn-0.1.0.dist-info/LICENSE.md`):

```
{licence}
```

## Training and published figures

Trained on {spec['trained_on']}. Published test figures ({name}/experiment.result in the
package): {spec['published']}.

## Input

`melspec`: float32 `[patches, 187, 96]`, `patches` dynamic. Each patch is 187 frames (3 s) of
the log-mel spectrogram, time-major (`[time][mel]`). The front end (musicnn's `batch_data`,
which Segue must reproduce):

1. Decode to f32 in [-1, 1] (librosa.load reads with soundfile: integer PCM / 2^(bits-1));
   mono = mean of the channels, before resampling.
2. Resample to 16 000 Hz with librosa 0.10's default, `soxr_hq` (libsoxr HQ through
   python-soxr); output length `ceil(n * 16000 / sr)`; skipped when the rate is already
   16 kHz. The resampler matters: the model uses the 7.4-8 kHz bands, and a softer roll-off
   near 8 kHz visibly moves the tags. Measured response of soxr_hq (44.1/22.05/96 kHz in):
   -0.02 dB at 7.4 kHz, -2.8 dB at 7.6, -25 dB at 7.8, -53 dB at 7.9, -77 dB at 7.95,
   below -139 dB from 8 kHz.
3. Frames: zero-pad 256 samples each side (`center=True`, `pad_mode='constant'`); frame
   t = padded[256t .. 256t+512]; T = 1 + n16k / 256 (integer division).
4. Periodic Hann window `w[n] = 0.5 - 0.5 cos(2 pi n / 512)`; 512-point real FFT, 257 bins;
   power `|X|^2`, no scaling.
5. 96 mel bands over 0-8000 Hz, Slaney mel scale with Slaney area normalisation, i.e.
   `librosa.filters.mel(sr=16000, n_fft=512, n_mels=96)` (fmin 0, fmax 8000, htk=False,
   norm='slaney').
6. Round each mel value to IEEE half precision (round to nearest even, subnormals kept,
   overflow to inf) and back to f32, then `log10(10000 * x + 1)` computed in f32. (The
   package writes `np.log10(10000 * S.astype(np.float16) + 1)`; with NumPy 1.x the product
   is promoted to float32. Under NumPy 2 it stays float16 and overflows.)
   The package's STFT goes through numpy's FFT (float64) and is stored as complex64; power
   and mel product are float32. A float64 re-implementation of steps 3-6
   (`make_references.py` checks one) matches except where the half-precision rounding
   flips: under 1 value in 10^4, each by up to about 4e-4 in log-mel.
7. Layout `[time, 96]`; consecutive patches of 187 frames, no overlap; a trailing partial
   patch is dropped (a track shorter than 187 frames gives no patch).
8. No further normalisation (the graph starts with a batch norm).

## Outputs

- `tags`: float32 `[patches, 50]`, sigmoid probabilities (independent per tag).
  Labels (index, name): {label_list}.
- `embedding`: float32 `[patches, 200]`, the penultimate layer: batch-normalised output of
  the 200-unit ReLU dense layer (what the package calls `penultimate`, the usual
  "musicnn embedding"). Values are not in [0, 1]; on the demo tracks |x| <= {parity['embedding_abs_max']:.2f}.
- Track level: mean of `tags` and of `embedding` over the patches.
- The package's other outputs (front-end/mid-end maps, 753-d mean/max pools) are not exported.

## Parity

Measured by `export_musicnn.py` on real input, the package's own log-mel patches of the
{parity['files']} lossless demo tracks in `assets/demo` ({parity['patches']} patches):
ONNX Runtime {v['onnxruntime']} (CPU) vs TensorFlow {v['tensorflow-cpu']} with the restored
checkpoint.

| comparison | max abs diff |
| --- | --- |
| ONNX vs TF, `tags` | {parity['onnx_vs_tf_tags']:.2e} |
| ONNX vs TF, `embedding` | {parity['onnx_vs_tf_embedding']:.2e} |
| ONNX vs the package's `extractor()` taggram (is_training placeholder fed False) | {parity['onnx_vs_extractor_tags']:.2e} |
| ONNX batch of 1 vs whole batch, `tags` | {parity['onnx_batch1_vs_batched_tags']:.2e} |

Reference outputs of the original Python pipeline (audio file -> tags) for these tracks are
in `tests/fixtures/musicnn/references.json`. Note: the package's `extractor()` returns a wrong
per-patch `penultimate` (it repeats patch 0 after the first batch), so the reference
embeddings come from this model fed with the package's log-mel.
"""
    with open(os.path.join(MODELS_DIR, "musicnn-%s.md" % key), "w") as f:
        f.write(card)


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        # Reproducible set/dict order of strings inside tf2onnx (see make_tf2onnx_deterministic).
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    batches = demo_batches()
    print("input patches per file:", [(r.split("/")[-1], b.shape[0]) for r, b in batches])
    for key in MODELS:
        export_one(key, batches)
    print("versions:", json.dumps(versions()))


if __name__ == "__main__":
    main()

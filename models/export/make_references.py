#!/usr/bin/env python3
"""Reference outputs of the ORIGINAL musicnn Python pipeline, for Segue's Rust tests.

For each lossless demo track (soundfile decodes these bit-exactly, as a Rust decoder will):
  - tags: the package's own `musicnn.extractor.extractor()` (librosa.load at 16 kHz with
    soxr_hq, its log-mel, its TF graph), per patch and averaged over the track;
  - embedding: the exported ONNX model (models/musicnn-*.onnx) fed with the package's own
    log-mel patches (`musicnn.extractor.batch_data`), because the package's extractor
    returns a wrong per-patch `penultimate` (it repeats patch 0; checked below).

Writes tests/fixtures/musicnn/references.json and, for one track, raw little-endian f32
dumps of its first log-mel patch and of the first 16000 samples of its 16 kHz mono signal.
It also checks the front-end recipe of models/musicnn-*.md (re-implemented here from
scratch with numpy, float64) against the package's log-mel and records the difference.

Run through `bash models/export/run.sh` (after export_musicnn.py).
"""

from common import sha256_file  # noqa: E402  (next to this script)
import json
import os
import sys
import warnings

for var in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
            "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore", category=UserWarning)

import numpy as np  # noqa: E402

if not np.__version__.startswith("1."):
    # Under NumPy 2 `10000 * float16_array` stays float16 and overflows (NaN/inf tags).
    sys.exit("make_references.py needs NumPy 1.x (found %s)" % np.__version__)

import librosa  # noqa: E402
import onnxruntime as ort  # noqa: E402
import soundfile  # noqa: E402
import soxr  # noqa: E402
import tensorflow as tf  # noqa: E402

import musicnn  # noqa: E402
from musicnn import configuration as mconfig  # noqa: E402
from musicnn import extractor as mextractor  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(REPO, "tests", "fixtures", "musicnn")

N_FRAMES = 187
FILES = [
    "assets/demo/Maxstack/Endgame - Singularity Original Soundtrack/01 Awakening.flac",
    "assets/demo/Wansti/SuperTux Soundtrack/04 Boss Attack.wav",
    "assets/demo/Wesnoth Project/The Battle for Wesnoth OST/01 Main Theme.flac",
    "assets/demo/Shawn Parrotte/HyperRogue Soundtrack/04 R'Lyeh.aiff",
]
# The track whose first log-mel patch and 16 kHz head are dumped as raw f32.
RAW_FILE = FILES[0]
RAW_STEM = "01-awakening"

MODELS = {
    "msd": ("MSD_musicnn", mconfig.MSD_LABELS),
    "mtt": ("MTT_musicnn", mconfig.MTT_LABELS),
}


def r6(a):
    """Nested lists of floats rounded to 6 decimals."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return round(float(a), 6)
    return [r6(x) for x in a]


def ort_session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


# ---- from-scratch front end (the recipe in the model cards), float64 -------------------

def slaney_mel_filterbank(sr=16000, n_fft=512, n_mels=96, fmin=0.0, fmax=8000.0):
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0

    def hz_to_mel(f):
        f = np.asarray(f, dtype=np.float64)
        return np.where(f >= min_log_hz,
                        min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep,
                        f / f_sp)

    def mel_to_hz(m):
        m = np.asarray(m, dtype=np.float64)
        return np.where(m >= min_log_mel,
                        min_log_hz * np.exp(logstep * (m - min_log_mel)),
                        f_sp * m)

    fft_freqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    mel_pts = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fb = np.zeros((n_mels, n_fft // 2 + 1))
    for m in range(n_mels):
        lo, c, hi = mel_pts[m], mel_pts[m + 1], mel_pts[m + 2]
        up = (fft_freqs - lo) / (c - lo)
        down = (hi - fft_freqs) / (hi - c)
        fb[m] = np.maximum(0.0, np.minimum(up, down)) * (2.0 / (hi - lo))
    return fb


def scratch_logmel(y16, fb):
    n = len(y16)
    padded = np.concatenate([np.zeros(256), y16.astype(np.float64), np.zeros(256)])
    t_count = 1 + n // 256
    idx = np.arange(512)[None, :] + 256 * np.arange(t_count)[:, None]
    frames = padded[idx]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(512) / 512)
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2  # [T, 257]
    mel = power @ fb.T  # [T, 96]
    mel16 = mel.astype(np.float16).astype(np.float64)
    return np.log10(10000.0 * mel16 + 1.0), mel


# ---- main ---------------------------------------------------------------------------------

def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    sessions = {k: ort_session(os.path.join(REPO, "models", "musicnn-%s.onnx" % k))
                for k in MODELS}
    fb = slaney_mel_filterbank()
    fb_diff = float(np.max(np.abs(fb - librosa.filters.mel(sr=16000, n_fft=512, n_mels=96))))

    files = []
    frontend_check = {"mel_filterbank_vs_librosa_max_abs": fb_diff,
                      "logmel_max_abs": 0.0, "logmel_values": 0,
                      "logmel_values_differing_over_1e-5": 0}
    parity = {k: {"onnx_vs_extractor_tags_max_abs": 0.0} for k in MODELS}
    bug_checked = {}

    for rel in FILES:
        path = os.path.join(REPO, rel)
        info = soundfile.info(path)
        print("==", rel, "(%d Hz, %d ch, %s)" % (info.samplerate, info.channels, info.subtype),
              flush=True)

        # The package's own front end and patching (non-overlapping 187-frame patches).
        batch, logmel = mextractor.batch_data(path, N_FRAMES, N_FRAMES)
        batch = batch.astype(np.float32)
        y16, sr16 = librosa.load(path, sr=mconfig.SR)  # exactly what batch_data loads
        assert sr16 == 16000 and logmel.shape[0] == 1 + len(y16) // 256

        # Check the from-scratch recipe against the package's log-mel.
        ref, _ = scratch_logmel(y16, fb)
        d = np.abs(ref - logmel.astype(np.float64))
        frontend_check["logmel_max_abs"] = max(frontend_check["logmel_max_abs"], float(d.max()))
        frontend_check["logmel_values"] += int(d.size)
        frontend_check["logmel_values_differing_over_1e-5"] += int(np.sum(d > 1e-5))

        entry = {
            "path": rel,
            "sha256": sha256_file(path),
            "sample_rate": info.samplerate,
            "channels": info.channels,
            "subtype": info.subtype,
            "frames": info.frames,
            "samples_16k": int(len(y16)),
            "mel_frames": int(logmel.shape[0]),
            "patches": int(batch.shape[0]),
            "models": {},
        }

        if rel == RAW_FILE:
            lm_name = "%s.patch0.logmel.f32" % RAW_STEM
            head_name = "%s.16k.head.f32" % RAW_STEM
            batch[0].astype("<f4").tofile(os.path.join(OUT_DIR, lm_name))
            y16[:16000].astype("<f4").tofile(os.path.join(OUT_DIR, head_name))
            entry["raw"] = {
                "patch0_logmel_f32": "tests/fixtures/musicnn/" + lm_name,
                "patch0_logmel_shape": [N_FRAMES, 96],
                "head_16k_f32": "tests/fixtures/musicnn/" + head_name,
                "head_16k_samples": 16000,
            }

        for key, (name, labels) in MODELS.items():
            # Tags: the package's own pipeline end to end.
            extract_features = key not in bug_checked and batch.shape[0] > 1
            out = mextractor.extractor(path, model=name, input_length=3, input_overlap=False,
                                       extract_features=extract_features)
            taggram = np.asarray(out[0], dtype=np.float64)
            assert list(out[1]) == list(labels)
            assert taggram.shape == (batch.shape[0], 50)

            # Embedding (and tag parity) from the exported model on the package's log-mel.
            ox_tags, ox_emb = sessions[key].run(["tags", "embedding"], {"melspec": batch})
            parity[key]["onnx_vs_extractor_tags_max_abs"] = max(
                parity[key]["onnx_vs_extractor_tags_max_abs"],
                float(np.max(np.abs(ox_tags - taggram))))

            if extract_features:
                pen = np.asarray(out[2]["penultimate"])
                bug_checked[key] = {
                    "file": rel,
                    "extractor_penultimate_rows_equal_patch0": bool(
                        np.allclose(pen, pen[0:1], atol=1e-6)),
                    "extractor_penultimate_patch0_vs_onnx_max_abs": float(
                        np.max(np.abs(pen[0] - ox_emb[0]))),
                    "onnx_embedding_patches_differ": bool(
                        np.max(np.abs(ox_emb - ox_emb[0:1])) > 1e-3),
                }

            mean_tags = taggram.mean(axis=0)
            top = np.argsort(-mean_tags, kind="stable")[:5]
            entry["models"][key] = {
                "tags_per_patch": r6(taggram),
                "tags_mean": r6(mean_tags),
                "top5": [{"index": int(i), "label": labels[i], "score": r6(mean_tags[i])}
                         for i in top],
                "embedding_mean": r6(ox_emb.astype(np.float64).mean(axis=0)),
            }
            print("   %s top5: %s" % (key, ", ".join(
                "%s %.3f" % (labels[i], mean_tags[i]) for i in top)), flush=True)
        files.append(entry)

    doc = {
        "generator": {
            "script": "models/export/make_references.py",
            "regenerate": "bash models/export/run.sh",
            "versions": {
                "python": sys.version.split()[0],
                "musicnn": "0.1.0",
                "numpy": np.__version__,
                "librosa": librosa.__version__,
                "soxr": soxr.__version__,
                "soundfile": soundfile.__version__,
                "libsndfile": soundfile.__libsndfile_version__,
                "tensorflow": tf.__version__,
                "onnxruntime": ort.__version__,
            },
            "models": {k: {"checkpoint": "musicnn/%s/" % MODELS[k][0],
                           "onnx": "models/musicnn-%s.onnx" % k,
                           "onnx_sha256": sha256_file(
                               os.path.join(REPO, "models", "musicnn-%s.onnx" % k)),
                           "labels": list(MODELS[k][1])} for k in MODELS},
            "method": (
                "tags: musicnn.extractor.extractor(path, model, input_length=3, "
                "input_overlap=False) = librosa.load(sr=16000, mono, soxr_hq) -> "
                "librosa.feature.melspectrogram(n_fft=512, hop=256, n_mels=96).T -> "
                "float16 -> log10(10000x+1) -> non-overlapping 187-frame patches -> TF graph; "
                "embedding: models/musicnn-<key>.onnx on musicnn.extractor.batch_data patches "
                "(the package extractor's per-patch penultimate repeats patch 0). "
                "Track level = mean over patches; top5 by mean tag."),
            "parity": parity,
            "extractor_embedding_bug": bug_checked,
            "frontend_recipe_check": frontend_check,
        },
        "files": files,
    }
    with open(os.path.join(OUT_DIR, "references.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("parity:", json.dumps(parity))
    print("extractor embedding bug:", json.dumps(bug_checked))
    print("front-end recipe check:", json.dumps(frontend_check))


if __name__ == "__main__":
    main()

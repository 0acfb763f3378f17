"""Builds the hand-set ranker (models/ranker/weights.json) as ONNX, for comparison with the
learned one (models/ranker/train_ranker.py makes models/segue-ranker.onnx):
    python models/ranker/export_ranker.py [OUT]   (default .cache/hand-ranker.onnx)
    cargo run --release -p segue-bench -- taste --ranker-file .cache/hand-ranker.onnx

The ranker scores a short list of candidate tracks from their term values (how close each
sounds to what plays, how it joins it, how it fits the user's taste, ...). Its inputs:
  terms        float32 [N, K]  term values (K = 10), in the order of weights.json "terms"
  exploration  float32 [1]     the user's closeness <-> exploration setting, 0..1
  user         float32 [K]     the user's learned offsets to the term weights (zeros: none)
Its outputs:
  contributions float32 [N, K] each term's part of the score (value * weight)
  scores        float32 [N]    the sum of the contributions

Deterministic: the same weights give a byte-identical file. Needs the `onnx` package.
"""
import json
import os
import sys

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", ".cache", "hand-ranker.onnx")


def main():
    with open(os.path.join(HERE, "weights.json")) as f:
        w = json.load(f)
    k = len(w["terms"])
    assert len(w["base"]) == k and len(w["slope"]) == k
    nodes = [
        # weight = base + slope * exploration + user
        helper.make_node("Mul", ["slope", "exploration"], ["slope_x"]),
        helper.make_node("Add", ["base", "slope_x"], ["global_w"]),
        helper.make_node("Add", ["global_w", "user"], ["weight"]),
        helper.make_node("Mul", ["terms", "weight"], ["contributions"]),
        helper.make_node("ReduceSum", ["contributions", "axis"], ["scores"], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "segue_ranker",
        inputs=[
            helper.make_tensor_value_info("terms", TensorProto.FLOAT, ["n", k]),
            helper.make_tensor_value_info("exploration", TensorProto.FLOAT, [1]),
            helper.make_tensor_value_info("user", TensorProto.FLOAT, [k]),
        ],
        outputs=[
            helper.make_tensor_value_info("contributions", TensorProto.FLOAT, ["n", k]),
            helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["n"]),
        ],
        initializer=[
            helper.make_tensor("base", TensorProto.FLOAT, [k], w["base"]),
            helper.make_tensor("slope", TensorProto.FLOAT, [k], w["slope"]),
            helper.make_tensor("axis", TensorProto.INT64, [1], [1]),
        ],
    )
    model = helper.make_model(
        graph,
        producer_name="segue",
        opset_imports=[helper.make_opsetid("", 17)],
    )
    model.ir_version = 8
    model.doc_string = "Segue suggestion ranker; terms: " + ", ".join(w["terms"])
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(os.path.abspath(OUT)), exist_ok=True)
    onnx.save(model, OUT)
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()

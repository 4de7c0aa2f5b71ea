"""In-memory patch that makes piper's VITS noise come from the caller, not from onnxruntime.

VITS draws Gaussian noise with ``RandomNormalLike`` ops whose generator lives inside the
onnxruntime session: the only way to reseed it is a new session (~5 s of CPU for the joe voice).
``random_normal_to_inputs`` replaces each such op by ``Reshape(Slice(noise_k, 0, Size(x)), Shape(x))``
with a new flat float input ``noise_k``; the caller fills it from a seeded numpy generator, so one
session serves every seed and the same seed always gives the same audio.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PatchedOnnx:
    content: bytes
    """The patched ONNX model."""
    noise_inputs: tuple[str, ...]
    """Names of the flat float32 inputs to fill with standard normal noise (long enough for the op)."""


def random_normal_to_inputs(content: bytes) -> PatchedOnnx:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load_model_from_string(content)
    graph = model.graph
    new_nodes = []
    names: list[str] = []
    for node in graph.node:
        if node.op_type != "RandomNormalLike":
            new_nodes.append(node)
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        k = len(names)
        noise, x, y = f"hotline_noise_{k}", node.input[0], node.output[0]
        names.append(noise)
        graph.input.append(helper.make_tensor_value_info(noise, TensorProto.FLOAT, ["noise_len_%d" % k]))
        consts = {f"{noise}_zero": np.array([0], np.int64), f"{noise}_one": np.array([1], np.int64),
                  f"{noise}_scale": np.array(attrs.get("scale", 1.0), np.float32),
                  f"{noise}_mean": np.array(attrs.get("mean", 0.0), np.float32)}
        graph.initializer.extend(numpy_helper.from_array(v, name=n) for n, v in consts.items())
        new_nodes += [
            helper.make_node("Shape", [x], [f"{noise}_shape"]),
            helper.make_node("Size", [x], [f"{noise}_size0"]),
            helper.make_node("Reshape", [f"{noise}_size0", f"{noise}_one"], [f"{noise}_size"]),
            helper.make_node("Slice", [noise, f"{noise}_zero", f"{noise}_size", f"{noise}_zero"], [f"{noise}_flat"]),
            helper.make_node("Reshape", [f"{noise}_flat", f"{noise}_shape"], [f"{noise}_std"]),
            helper.make_node("Mul", [f"{noise}_std", f"{noise}_scale"], [f"{noise}_scaled"]),
            helper.make_node("Add", [f"{noise}_scaled", f"{noise}_mean"], [y]),
        ]
    del graph.node[:]
    graph.node.extend(new_nodes)
    return PatchedOnnx(model.SerializeToString(), tuple(names))

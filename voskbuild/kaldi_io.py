"""Readers for the Kaldi and OpenFst binary files of an existing Vosk model.

Only what acoustic transfer needs: the TransitionModel at the head of a binary ``final.mdl`` and the
arcs of a ``ConstFst`` (``HCLr.fst``) as numpy arrays, so an 11-million-arc graph is read in seconds.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import VoskBuildError

_FST_MAGIC = 2125659606
_CONST_ALIGN = 16
_ADDON_MAGIC = 446681434


class _Reader:
    """Kaldi binary tokens and basic types from a bytes buffer."""

    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def token(self) -> str:
        end = self.data.index(b" ", self.pos)
        tok = self.data[self.pos:end].decode("ascii")
        self.pos = end + 1
        return tok

    def expect(self, token: str) -> None:
        got = self.token()
        if got != token:
            raise VoskBuildError(f"expected {token} at byte {self.pos}, found {got!r}")

    def peek(self, token: str) -> bool:
        return self.data.startswith(token.encode("ascii") + b" ", self.pos)

    def int32(self) -> int:
        size = self.data[self.pos]
        if size != 4:
            raise VoskBuildError(f"expected a 4-byte integer at byte {self.pos}, size byte {size}")
        (value,) = struct.unpack_from("<i", self.data, self.pos + 1)
        self.pos += 5
        return value

    def float32(self) -> float:
        size = self.data[self.pos]
        (value,) = struct.unpack_from("<f", self.data, self.pos + 1)
        self.pos += 1 + size
        return value

    def int_vector(self) -> list[int]:
        if self.data[self.pos] != 4:
            raise VoskBuildError(f"expected an int32 vector at byte {self.pos}")
        (n,) = struct.unpack_from("<i", self.data, self.pos + 1)
        values = struct.unpack_from(f"<{n}i", self.data, self.pos + 5)
        self.pos += 5 + 4 * n
        return list(values)

    def float_vector(self) -> np.ndarray:
        self.expect("FV")
        n = self.int32()
        out = np.frombuffer(self.data, dtype="<f4", count=n, offset=self.pos).copy()
        self.pos += 4 * n
        return out


_POSITIONS = ("_B", "_E", "_I", "_S")


def base_phone(name: str) -> str:
    """A word-position-dependent phone's base (``a_E`` -> ``a``); other names as they are."""
    return name[:-2] if name[-2:] in _POSITIONS else name


@dataclass(frozen=True)
class Transition:
    """One transition id of a TransitionModel: its transition state, phone, pdf and kind."""

    tid: int
    state: int  # transition state (1-based)
    phone: int
    pdf: int  # the self-loop pdf on a self-loop, else the forward pdf
    self_loop: bool


@dataclass(frozen=True)
class TopologyEntry:
    """One HMM topology: per state (forward pdf class, self-loop pdf class, [(dest, prob)])."""

    states: tuple[tuple[int, int, tuple[tuple[int, float], ...]], ...]


@dataclass(frozen=True)
class KaldiTransitionModel:
    """A TransitionModel as stored: topology, tuples and log-probs, and where it ends in the file."""

    phones: tuple[int, ...]
    phone2idx: tuple[int, ...]
    entries: tuple[TopologyEntry, ...]
    #: (phone, hmm_state, forward_pdf, self_loop_pdf), one per transition state (1-based ids)
    tuples: tuple[tuple[int, int, int, int], ...]
    log_probs: np.ndarray
    end: int  # byte offset just past </TransitionModel>

    def entry(self, phone: int) -> TopologyEntry:
        return self.entries[self.phone2idx[phone]]

    def first_tids(self) -> list[int]:
        """First transition id of each transition state (index 0 unused), as Kaldi numbers them."""
        out, tid = [0], 1
        for phone, hmm_state, _, _ in self.tuples:
            out.append(tid)
            tid += len(self.entry(phone).states[hmm_state][2])
        out.append(tid)
        return out

    @property
    def num_tids(self) -> int:
        return self.first_tids()[-1] - 1

    def transitions(self) -> list[Transition]:
        """Every transition id, in Kaldi's numbering (the one walk every reader of tids shares)."""
        out, tid = [], 1
        for ts, (phone, hmm_state, fwd_pdf, loop_pdf) in enumerate(self.tuples, start=1):
            for dest, _ in self.entry(phone).states[hmm_state][2]:
                loop = dest == hmm_state
                out.append(Transition(tid, ts, phone, loop_pdf if loop else fwd_pdf, loop))
                tid += 1
        return out

    def topology_text(self) -> str:
        """The topology in Kaldi text form (``HmmTopology.read`` takes it)."""
        lines = ["<Topology>"]
        for idx, entry in enumerate(self.entries):
            phones = [p for p in self.phones if self.phone2idx[p] == idx]
            lines += ["<TopologyEntry>", "<ForPhones>", " ".join(map(str, phones)), "</ForPhones>"]
            for s, (fwd, loop, transitions) in enumerate(entry.states):
                if not transitions:
                    lines.append(f"<State> {s} </State>")
                    continue
                pdf = f"<PdfClass> {fwd}" if fwd == loop else f"<ForwardPdfClass> {fwd} <SelfLoopPdfClass> {loop}"
                arcs = " ".join(f"<Transition> {d} {p}" for d, p in transitions)
                lines.append(f"<State> {s} {pdf} {arcs} </State>")
            lines.append("</TopologyEntry>")
        return "\n".join(lines + ["</Topology>"]) + "\n"


def read_transition_model(path: Path) -> KaldiTransitionModel:
    """The TransitionModel at the head of a binary Kaldi ``final.mdl``."""
    data = Path(path).read_bytes()
    if not data.startswith(b"\0B"):
        raise VoskBuildError(f"{path}: not a binary Kaldi model")
    r = _Reader(data, 2)
    r.expect("<TransitionModel>")
    r.expect("<Topology>")
    phones = r.int_vector()
    phone2idx = r.int_vector()
    is_hmm = True
    n_entries = r.int32()
    if n_entries == -1:  # the newer format: a flag, then the real count
        is_hmm = False
        n_entries = r.int32()
    entries = []
    for _ in range(n_entries):
        states = []
        for _ in range(r.int32()):
            fwd = r.int32()
            loop = fwd if is_hmm else r.int32()
            transitions = tuple((r.int32(), r.float32()) for _ in range(r.int32()))
            states.append((fwd, loop, transitions))
        entries.append(TopologyEntry(tuple(states)))
    r.expect("</Topology>")
    kind = r.token()
    if kind not in ("<Tuples>", "<Triples>"):
        raise VoskBuildError(f"{path}: unknown transition table {kind}")
    tuples = []
    for _ in range(r.int32()):
        phone, state, fwd = r.int32(), r.int32(), r.int32()
        tuples.append((phone, state, fwd, fwd if kind == "<Triples>" else r.int32()))
    r.token()  # </Tuples>
    r.expect("<LogProbs>")
    log_probs = r.float_vector()
    r.expect("</LogProbs>")
    r.expect("</TransitionModel>")
    return KaldiTransitionModel(tuple(phones), tuple(phone2idx), tuple(entries), tuple(tuples), log_probs, r.pos)


@dataclass(frozen=True)
class FstArrays:
    """A ConstFst as arrays: per state its final weight and arc range; per arc its labels and target."""

    start: int
    final: np.ndarray  # float32, inf where not final
    first_arc: np.ndarray  # int64, arcs of state s are first_arc[s]:first_arc[s] + num_arcs[s]
    num_arcs: np.ndarray
    ilabel: np.ndarray
    olabel: np.ndarray
    weight: np.ndarray
    nextstate: np.ndarray

    def sources(self) -> np.ndarray:
        """The source state of every arc."""
        return np.repeat(np.arange(len(self.final), dtype=np.int64), self.num_arcs)


def read_output_symbols(path: Path) -> dict[int, str]:
    """The output symbol table stored in an FST file's header (Vosk's ``Gr.fst`` carries words.txt so)."""
    data = Path(path).read_bytes()
    pos = _skip_names(data, 4)
    _version, flags = struct.unpack_from("<ii", data, pos)
    pos += 4 + 4 + 8 + 8 + 8 + 8
    if not flags & 0x2:
        raise VoskBuildError(f"{path}: no output symbol table in the FST header")
    if flags & 0x1:
        _, pos = _symbol_table(data, pos)
    return _symbol_table(data, pos)[0]


def _skip_names(data: bytes, pos: int) -> int:
    for _ in range(2):
        (n,) = struct.unpack_from("<i", data, pos)
        pos += 4 + n
    return pos


def _symbol_table(data: bytes, pos: int) -> tuple[dict[int, str], int]:
    pos += 4  # magic
    (n,) = struct.unpack_from("<i", data, pos)
    pos += 4 + n  # name
    _available, size = struct.unpack_from("<qq", data, pos)
    pos += 16
    out = {}
    for _ in range(size):
        (n,) = struct.unpack_from("<i", data, pos)
        symbol = data[pos + 4:pos + 4 + n].decode("utf-8")
        (key,) = struct.unpack_from("<q", data, pos + 4 + n)
        pos += 4 + n + 8
        out[key] = symbol
    return out, pos


def read_const_fst(path: Path) -> FstArrays:
    """Read an OpenFst ``const`` FST over the standard arc (what Vosk's graph files are); a lookahead
    FST (``olabel_lookahead``, as Vosk's own ``HCLr.fst``) is read as the const FST inside it."""
    data = Path(path).read_bytes()
    return _parse_const_fst(data, 0, str(path))


def _parse_const_fst(data: bytes, pos: int, where: str) -> FstArrays:
    (magic,) = struct.unpack_from("<i", data, pos)
    if magic != _FST_MAGIC:
        raise VoskBuildError(f"{where}: not an OpenFst file")
    pos += 4
    names = []
    for _ in range(2):
        (n,) = struct.unpack_from("<i", data, pos)
        names.append(data[pos + 4:pos + 4 + n].decode("ascii"))
        pos += 4 + n
    if names[1] != "standard":
        raise VoskBuildError(f"{where}: arcs of type {names[1]}, expected standard")
    version, flags, _props, start, num_states, num_arcs = struct.unpack_from("<iiQqqq", data, pos)
    pos += 4 + 4 + 8 + 8 + 8 + 8
    if names[0].endswith("_lookahead"):
        (addon_magic,) = struct.unpack_from("<i", data, pos)
        if addon_magic != _ADDON_MAGIC:
            raise VoskBuildError(f"{where}: a {names[0]} FST without its add-on header")
        return _parse_const_fst(data, pos + 4, where)
    if names[0] != "const":
        raise VoskBuildError(f"{where}: a {names[0]} FST, expected const")
    if flags & 0x3:
        raise VoskBuildError(f"{where}: FSTs with symbol tables are not supported")
    aligned = bool(flags & 0x4)
    if aligned:
        pos += -pos % _CONST_ALIGN
    states = np.frombuffer(data, dtype=np.dtype([("w", "<f4"), ("pos", "<u4"), ("narcs", "<u4"), ("ni", "<u4"),
                                                 ("no", "<u4")]), count=num_states, offset=pos)
    pos += states.nbytes
    if aligned:
        pos += -pos % _CONST_ALIGN
    arcs = np.frombuffer(data, dtype=np.dtype([("i", "<i4"), ("o", "<i4"), ("w", "<f4"), ("n", "<i4")]),
                         count=num_arcs, offset=pos)
    return FstArrays(int(start), states["w"].copy(), states["pos"].astype(np.int64), states["narcs"].astype(np.int64),
                     arcs["i"].copy(), arcs["o"].copy(), arcs["w"].copy(), arcs["n"].astype(np.int64))

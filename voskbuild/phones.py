"""The phone table: word-position-dependent phones sharing one pdf per base phone.

Kaldi needs position markers (``_B``/``_I``/``_E``/``_S``) to align words in lattices (Vosk reads
``word_boundary.int`` for word times); the acoustic model does not care, so all four variants of a
base phone map to the same pdf.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lexicon import SIL, Lexicon

POSITIONS = (("B", "begin"), ("I", "internal"), ("E", "end"), ("S", "singleton"))


@dataclass(frozen=True)
class PhoneTable:
    """Phone ids (1-based; 0 is epsilon), pdf ids and disambiguation symbols."""

    base_phones: tuple[str, ...]  # pdf id = index in this tuple
    phones: tuple[str, ...]  # index + 1 = phone id
    num_disambig: int  # #0 .. #(n-1) follow the phones

    @property
    def num_pdfs(self) -> int:
        return len(self.base_phones)

    def phone_id(self, name: str) -> int:
        return self.phones.index(name) + 1

    def disambig_ids(self) -> list[int]:
        return [len(self.phones) + 1 + k for k in range(self.num_disambig)]

    def pdf_of_phone(self) -> list[int]:
        """pdf id for each phone id (index 0 unused)."""
        base_index = {b: i for i, b in enumerate(self.base_phones)}
        return [-1] + [base_index[p.rsplit("_", 1)[0] if p != SIL else SIL] for p in self.phones]

    def pdf_classes(self) -> list[list[int]]:
        """Phone ids grouped by shared pdf, in pdf order (for a shared-root monophone tree)."""
        groups: list[list[int]] = [[] for _ in self.base_phones]
        for phone_id, pdf in enumerate(self.pdf_of_phone()):
            if phone_id:
                groups[pdf].append(phone_id)
        return groups

    def positional(self, pron: tuple[str, ...]) -> list[int]:
        """Phone ids of a word's pronunciation with position markers."""
        if len(pron) == 1:
            return [self.phone_id(f"{pron[0]}_S")]
        names = [f"{pron[0]}_B", *(f"{p}_I" for p in pron[1:-1]), f"{pron[-1]}_E"]
        return [self.phone_id(n) for n in names]

    def phones_txt(self) -> str:
        lines = ["<eps> 0"] + [f"{p} {i + 1}" for i, p in enumerate(self.phones)]
        lines += [f"#{k} {pid}" for k, pid in enumerate(self.disambig_ids())]
        return "\n".join(lines) + "\n"

    def word_boundary_int(self) -> str:
        lines = []
        for i, p in enumerate(self.phones):
            role = "nonword" if p == SIL else dict(POSITIONS)[p.rsplit("_", 1)[1]]
            lines.append(f"{i + 1} {role}")
        return "\n".join(lines) + "\n"


def phone_table(lexicon: Lexicon, num_disambig: int) -> PhoneTable:
    base = tuple(lexicon.base_phones)
    phones = [SIL] + [f"{b}_{pos}" for b in base if b != SIL for pos, _ in POSITIONS]
    return PhoneTable(base, tuple(phones), num_disambig)

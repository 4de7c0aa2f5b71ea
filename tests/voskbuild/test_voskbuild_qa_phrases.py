"""The built-in model spots the QA rules' phrases: spotting sets (``--extra-phrases`` / ``--qa-rules``)
enter the build as phrases of their own groups, and the shipped model knows and hears the shipped
rules' phrases in an agent's telephone speech."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from asr.compounds import compound_word, read_vocabulary
from voskbuild import UNK, Case, VoskBuildError, decode, load_phrases, node_grammars, read_metadata
from voskbuild.corpus import OOV_DEV, OOV_TEST, OOV_TRAIN, SPOT_CARRIERS, out_of_menu, without_spotted
from voskbuild.data import UttSpec, plan_utterances, render
from voskbuild.phrases import lang_of, load_spotting_list, normalize_phrase, parse_phrase_list, parse_spotting_list
from voskbuild.speech import Voice

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
QA_PHRASES = HERE / "data" / "qa_phrases.tsv"
FLOW = ROOT / "flows" / "950618.yaml"


def _with_qa(menu):
    for name, phrases in load_spotting_list(QA_PHRASES).items():
        menu = menu.with_spotting(name, phrases)
    return menu


def test_spotting_list_formats_and_errors():
    sets = parse_spotting_list("# agent phrases\nzh\t您好\nen-US\tThank you for calling!\nqa.caller\tzh\t投诉\n"
                               "en: calm down\n我说了多少遍了\n")
    assert sets == {"extra": ["您好", "Thank you for calling!", "calm down", "我说了多少遍了"], "qa.caller": ["投诉"]}
    with pytest.raises(VoskBuildError, match=r"x\.tsv:2: unsupported language 'fr'"):
        parse_spotting_list("zh\t您好\nfr\tbonjour\n", "x.tsv")
    with pytest.raises(VoskBuildError, match=r":1: expected"):
        parse_spotting_list("a\tb\tzh\t您好\n")
    with pytest.raises(VoskBuildError, match="no phrases"):
        parse_spotting_list("# nothing\n")


def test_spotting_sets_are_groups_of_their_own():
    menu = parse_phrase_list("退货\norder status\n")
    both = menu.with_spotting("qa.agent", ["您好", "Thank you for calling", "退货"])
    assert both.zh == ("退货", "您好") and both.en == ("order status", "thank you for calling")
    # a plain list becomes one menu group, so its phrases keep a grammar next to the spotting set
    assert dict(both.groups) == {"menu": ("退货", "order status"),
                                 "spot:qa.agent": ("您好", "thank you for calling", "退货")}
    assert both.spotting() == {"qa.agent": ("您好", "thank you for calling", "退货")}
    assert both.menu().zh == ("退货",) and both.menu().en == ("order status",) and not both.menu().spotting()
    assert menu.menu() is menu
    with pytest.raises(VoskBuildError, match="given twice"):
        both.with_spotting("qa.agent", ["再见"])


def test_a_spotting_grammar_holds_only_its_own_phrases():
    phrases = _with_qa(load_phrases(FLOW))
    grammars = node_grammars(phrases, "zh")
    agent = [g for g in grammars if "您好" in g]
    assert len(agent) == 1 and agent[0][-1] == UNK
    assert "人工客服" not in agent[0]  # the menu's global options are a caller's, not an agent's
    assert all("人工客服" in g for g in grammars if "您好" not in g and "经理" not in g)  # menu nodes keep them


def test_out_of_menu_filter_matches_spotting_phrases_whole():
    phrases = _with_qa(load_phrases(FLOW))
    kept = out_of_menu(["hello can i please just speak to someone", "我说了好多次了还是不行", "我不知道密码在哪",
                        "the weather is lovely today", "今天天气真不错呀"], phrases)
    # "hello" and 不知道 are spotted: a sentence saying them must not train [unk]; sharing 说/了 with
    # 我说了多少遍了 is fine (the menu's characters still count one by one)
    assert kept == {"zh": ("我说了好多次了还是不行", "今天天气真不错呀"), "en": ("the weather is lovely today",)}
    chit_chat = without_spotted(OOV_TRAIN, phrases)
    assert "我不知道" not in chit_chat["zh"] and "i don't know" not in chit_chat["en"]
    assert without_spotted(OOV_TRAIN, load_phrases(FLOW)) is OOV_TRAIN
    # the sentences that measure false accepts say no spotting phrase (else a right answer would count as wrong)
    for held_back in (OOV_DEV, OOV_TEST):
        assert without_spotted(held_back, phrases) == held_back


def test_spotting_phrases_are_trained_in_agent_sentences():
    from voskbuild.recipe import BuildConfig

    config = BuildConfig.quick(langs=("zh", "en"))
    flow = load_phrases(FLOW)
    plan = plan_utterances(_with_qa(flow), config.langs, config.variants[:3], config.sizes, seed=3)
    said = {s.text for s in plan if s.kind == "carrier"}
    assert {c.format("很高兴为您服务") for c in SPOT_CARRIERS["zh"]} & said
    assert not {c.format("很高兴为您服务") for c in ("我想{}", "我要{}")} & said
    assert [s.words for s in plan if s.text == "很高兴为您服务"]
    # the menu's own plan is what it was without spotting sets (same seed, same model)
    menu_only = plan_utterances(flow, config.langs, config.variants[:3], config.sizes, seed=3)
    assert [s for s in menu_only if s.words == ("退货",)][:3] == [s for s in plan if s.words == ("退货",)][:3]


def test_cli_rejects_a_bad_spotting_list_with_one_error(tmp_path):
    from ivr.cli.models_build import build

    bad = tmp_path / "bad.tsv"
    bad.write_text("zh\t您好\nxx\thello\n", encoding="utf-8")
    result = CliRunner().invoke(build, ["--flow", str(FLOW), "--extra-phrases", str(bad), "-o", str(tmp_path / "m")])
    assert result.exit_code != 0 and "bad.tsv:2: unsupported language 'xx'" in result.output
    assert not (tmp_path / "m").exists()


def test_qa_rules_give_one_spotting_set_per_party_with_the_rules_version():
    """What ``hotline models build --qa-rules qa/rules.yaml`` hands the builder."""
    from ivr.cli.models_build import _qa_rule_sets
    from qa.rules import load_rules

    rules = load_rules(ROOT / "qa" / "rules.yaml")
    sets = {s["set"]: s for s in _qa_rule_sets(str(ROOT / "qa" / "rules.yaml"))}
    assert set(sets) == {"qa.agent", "qa.caller"}
    for party in ("agent", "caller"):
        entry = sets[f"qa.{party}"]
        assert entry["phrases"] == list(dict.fromkeys([*rules.phrases(party, "zh"), *rules.phrases(party, "en")]))
        assert entry["source"]["version"] == rules.version and entry["source"]["kind"] == "qa_rules"


def test_a_number_is_spoken_digit_by_digit_as_the_lexicon_reads_it():
    from voskbuild.lexicon import english_pron
    from voskbuild.speech import espeak_text, spelled_digits

    assert spelled_digits("call 12315") == "call one two three one five"
    assert english_pron("12315") == tuple(p for w in spelled_digits("12315").split() for p in english_pron(w))
    assert espeak_text("12315", "zh") == "yi1 er4 san1 yi1 wu3" and espeak_text("sue you", "en") == "sue you"


# -- the shipped model -------------------------------------------------------------------------


def _shipped_rules_phrases() -> dict[tuple[str, str], list[str]]:
    """(party, lang) -> the shipped QA rules' phrases (the spotting grammar of that party)."""
    from qa.rules import load_rules

    rules = load_rules(ROOT / "qa" / "rules.yaml")
    return {(party, lang): list(rules.phrases(party, lang)) for party in ("agent", "caller") for lang in ("zh", "en")}


def test_shipped_model_knows_every_phrase_of_the_shipped_rules(shipped_model):
    """Rebuild the model (README, "Building a command model") whenever the rules' phrases change."""
    vocabulary = set(read_vocabulary(shipped_model))
    meta = read_metadata(shipped_model)
    known = {name: set(ps) for name, ps in meta["groups"].items()}
    phrases = _shipped_rules_phrases()
    assert len(phrases[("agent", "zh")]) >= 20 and len(phrases[("agent", "en")]) >= 20
    missing = []
    for (party, _), ps in phrases.items():
        for phrase in ps:
            norm = normalize_phrase(phrase)
            if compound_word(norm) not in vocabulary or norm not in known.get(f"spot:qa.{party}", ()):
                missing.append((party, phrase))
    assert missing == []
    sources = {s["set"]: s for s in meta["phrase_sets"]}
    assert sources["menu"]["path"].endswith("flows/950618.yaml")
    assert sources["qa.agent"]["kind"] == "qa_rules" and sources["qa.agent"]["version"]


def _agent_says(text: str, lang: str, voice: Voice, seed: int) -> UttSpec:
    """An agent's sentence on the telephone line: a voice never trained on, a little noise."""
    return UttSpec(uid=f"qa-{seed}", lang=lang, text=text, words=(), kind="phrase", voice=voice, speed=160, pitch=50,
                   gain_db=-6.0, snr_db=30.0, channel="phone", lead_s=0.3, trail_s=0.4, silence="low", seed=seed)


#: (what the agent says, what the spotting grammar must hear): phrases alone, inside an agent's
#: sentence, and sentences with no phrase at all ("")
SPOKEN = {
    "zh": [("您好", "您好"), ("很高兴为您服务", "很高兴为您服务"), ("感谢您的来电", "感谢您的来电"),
           ("我们会尽快处理", "我们会尽快处理"), ("非常抱歉", "非常抱歉"), ("明天给您回电", "明天给您回电"),
           ("您好，很高兴为您服务，请问有什么可以帮您", "您好 很高兴为您服务 请问有什么可以帮您"),
           ("好的，我帮您查一下，我们会尽快处理", "我们会尽快处理"),
           ("请您提供一下订单号码", ""), ("您的快递已经发出了", "")],
    "en": [("thank you for calling", "thank you for calling"), ("have a nice day", "have a nice day"),
           ("we will call you back", "we will call you back"), ("i'm sorry", "i'm sorry"),
           ("within three business days", "within three business days"), ("goodbye", "goodbye"),
           ("hello, thank you for calling, how can I help you", "hello thank you for calling how can i help you"),
           ("okay, I'll call you back tomorrow", "i'll call you back tomorrow"),
           ("let me check the parcel details in the system", ""), ("your order was shipped yesterday", "")],
}
VOICES = {"zh": Voice("cmn-latn-pinyin", "male7"), "en": Voice("en-us", "Adam")}


def test_shipped_model_spots_agent_phrases_on_the_telephone_line(shipped_model):
    """What the post-call analysis does with the agent channel: 8 kHz telephone audio decoded with a
    grammar of the agent phrases of its language plus [unk]."""
    agent = read_metadata(shipped_model)["groups"]["spot:qa.agent"]  # = the rules' (test above)
    cases, expected = [], []
    for lang, spoken in SPOKEN.items():
        grammar = (*(p for p in agent if lang_of(p) == lang), UNK)
        assert len(grammar) > 20
        for i, (text, heard) in enumerate(spoken):
            cases.append(Case(render(_agent_says(text, lang, VOICES[lang], 100 + i)), grammar, rate=8000))
            expected.append((lang, text, heard))
    outcomes, _ = decode(shipped_model, cases)
    results = [(lang, text, heard, o.text) for (lang, text, heard), o in zip(expected, outcomes)]
    for lang in SPOKEN:
        spotted = [r for r in results if r[0] == lang and r[2]]
        assert sum(r[2] == r[3] for r in spotted) >= len(spotted) - 1, results
        rejected = [r for r in results if r[0] == lang and not r[2]]
        assert rejected and all(r[3] == "" for r in rejected), results

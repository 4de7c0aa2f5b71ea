"""Fixed text material: carrier phrases around keywords and out-of-vocabulary sentences.

The OOV sentences come in three fixed sets: OOV_TRAIN trains the garbage model, OOV_DEV tunes the
decoder (garbage cost, acoustic scale), OOV_TEST is only ever used to measure false accepts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from .errors import VoskBuildError
from .phrases import PhraseSet, lang_of, normalize_phrase

#: "{}" is replaced by a menu phrase; the carrier words become ``[unk]`` in the transcript
CARRIERS = {
    "zh": ("我想{}", "我要{}", "{}谢谢", "请帮我{}", "嗯{}", "那个{}", "我需要{}", "{}可以吗"),
    "en": ("i'd like to {}", "{} please", "i want {}", "um {}", "can you help me with {}", "{} thank you",
           "i need {}", "uh {}"),
}

#: carriers of a spotting phrase: what an agent says around "您好" or "i'm sorry" (their own list, so
#: a phrase spotted in a whole call is heard inside an agent's sentence, not a caller's request)
SPOT_CARRIERS = {
    "zh": ("好的{}", "{}请稍等", "嗯{}", "女士{}", "先生{}", "{}好吗", "是这样的{}", "{}对吧"),
    "en": ("okay {}", "{} sir", "well {}", "{} madam", "alright {}", "so {}", "{} okay", "right {}"),
}

OOV_TRAIN = {
    "zh": (
        "今天天气怎么样", "我在开车", "你们几点下班", "明天会下雨吗", "我的猫在睡觉", "这个多少钱",
        "我不知道", "等一下", "喂你好", "听不清楚", "我刚才说到哪了", "你是机器人吗", "帮我看看",
        "我昨天买了一本书", "晚上吃什么", "周末去公园散步", "孩子在写作业", "外面很吵",
        "我再想想", "信号不好", "你说什么", "我朋友推荐的", "那就这样吧", "火车站怎么走",
        "音乐声音太大了", "我在超市排队", "手机快没电了", "我们下午开会", "这个颜色不好看", "路上堵车了",
    ),
    "en": (
        "what's the weather like today", "hello is anyone there", "my cat is sleeping on the sofa",
        "i'm driving right now", "what time do you close", "hang on a second", "can you hear me",
        "i don't know", "the music is too loud", "my phone battery is low", "let me think about it",
        "i bought a book yesterday", "we are having pizza tonight", "the train was late again",
        "are you a robot", "sorry what did you say", "my friend told me to call", "it's raining outside",
        "the kids are doing homework", "i'm standing in a queue", "that color looks strange",
        "where is the nearest bank", "turn left at the corner", "the meeting starts at noon",
        "banana apple orange", "good morning everyone", "the dog barked all night", "nice to meet you",
        "i was just wondering", "the traffic is terrible",
    ),
}

OOV_TEST = {
    "zh": (
        "我想去海边度假", "这本书很好看", "你吃饭了吗", "今天是星期几", "我家楼下有个面包店",
        "老师让我们早点到", "请问现在几点了", "我的眼镜找不到了", "小狗在院子里跑", "电影几点开始",
        "我们去爬山吧", "他骑自行车上班", "今天晚上我们去看电影", "你喜欢吃苹果吗", "外面在下大雪",
        "我妈妈在做饭", "这条路修得很好", "我喜欢听古典音乐", "周末我们去钓鱼", "这家饭馆的菜很好吃",
        "小朋友们在唱歌", "天空很蓝", "我刚从北京回来", "你的声音很好听", "我们明年去旅游", "他在图书馆看书",
        "这个城市很漂亮", "请把窗户打开", "花园里的花开了", "奶奶在公园打太极",
    ),
    "en": (
        "i love walking in the park", "the coffee is too hot", "what are you doing this weekend",
        "my brother plays the guitar", "the garden needs watering", "is it going to snow",
        "where did i put my glasses", "the movie was really long", "let's go for a swim",
        "the bus stop is over there", "she is reading a newspaper", "we need more milk",
        "the sun is shining brightly", "my sister lives in canada", "we had soup for lunch",
        "the children are playing football", "i forgot my umbrella at home", "this song reminds me of summer",
        "the library opens early", "he drives a blue truck", "the cake tastes wonderful",
        "our neighbours have a new puppy", "the river is very cold", "i like reading mystery novels",
        "the concert was amazing", "let's meet at the station", "the window is open",
        "birds are singing outside", "my grandmother knits sweaters", "the airport is very busy today",
    ),
}

#: never trained on, used to tune the decoder: the last 6 of OOV_TRAIN's sentences plus 24 of their own,
#: so that a false-accept rate on the dev set moves in steps of ~3 %, not 17 %
_DEV_ONLY = {
    "zh": ("我周末想去看展览", "他家的猫很胖", "我的咖啡凉了", "孩子们在操场踢球", "我昨天睡得很晚", "冰箱里没有牛奶了",
           "今天风特别大", "她在学弹钢琴", "我想学游泳", "窗外有只小鸟", "山上的空气很新鲜", "这个公园很大",
           "外婆家在乡下", "他喜欢画画", "桌子上有一本杂志", "我们明天早上见", "今天的月亮很圆", "小猫爬到树上了",
           "爷爷在院子里种花", "这座桥很长", "姐姐在看小说", "那只狗很可爱", "老师在黑板上写字", "他们在河边钓鱼"),
    "en": ("the garden looks lovely this spring", "my sister plays the violin", "it might snow tomorrow",
           "we watched a movie last night", "the coffee here is too strong", "i love walking on the beach",
           "the kids are playing football outside", "my cat sleeps all day", "let's have pizza for dinner",
           "the museum opens at nine", "he is learning to swim", "she painted the kitchen yellow",
           "the bus was very crowded", "the mountains look beautiful", "we went camping by the lake",
           "my brother likes basketball", "i am reading a good novel", "grandma makes great cookies",
           "the train was on time", "i like to cook on sundays", "the sky is full of stars",
           "he drinks tea every morning", "the flowers smell sweet", "we played cards all evening"),
}
OOV_DEV = {lang: (*sentences[-6:], *_DEV_ONLY[lang]) for lang, sentences in OOV_TRAIN.items()}
OOV_TRAIN = {lang: sentences[:-6] for lang, sentences in OOV_TRAIN.items()}

#: what an agent says between the QA phrases (no QA phrase, no menu character or word): with
#: spotting sets, [unk] learns it, so the 50-odd long phrases of a spotting grammar are not heard
#: in every "您的..." or "sorry about the wait" (near misses such as 感谢您的耐心等待 on purpose)
AGENT_TALK_TRAIN = {
    "zh": (
        "我这边帮您看一下", "我帮您记下来了", "您的信息我已经记下了", "我们这边马上安排", "您先别着急",
        "这个是正常现象", "嗯嗯是的", "您放心吧", "好的好的", "您可以在手机上看到", "感谢您的耐心等待",
        "我帮您联系一下相关同事", "您这边还需要别的吗", "这个我帮您看看", "好的我知道了", "您稍等我看看",
        "我帮您记一下", "您可以放心", "我确认一下您的信息", "这个情况比较少见", "您能描述一下吗",
        "我大概了解了", "我帮您加急一下",
    ),
    "en": (
        "i understand how you feel", "thanks for waiting", "let me put you on hold",
        "the system is a little slow today", "may i have your full name", "i see what you mean",
        "bear with me for a moment", "could you hold the line", "it looks like everything is fine",
        "you are very welcome", "sorry about the wait", "that is a fair point", "we appreciate your patience",
        "i'll stay on the line with you", "i can email you a copy", "that makes perfect sense",
        "you should see an email shortly", "this might take a minute", "please bear with me",
        "is that your current email", "i will note that down", "let me verify a few things",
        "thanks for letting us know", "is that correct", "i will stay with you", "you are all set",
        "that is really helpful",
    ),
}

#: agent talk for tuning the decoder (never trained on)
AGENT_TALK_DEV = {
    "zh": (
        "好的您稍等一下", "这边系统显示正常", "您这个情况我了解了", "您稍微等我一下", "那我先帮您备注一下",
        "稍等我确认一下", "我看一下系统里的信息", "您别担心", "这个需要一点时间", "我们这边也很着急",
    ),
    "en": (
        "let me see what i can do", "i can see that on my screen", "i have made a note of that",
        "that should be fine", "how are you today", "i'm happy to help with that",
        "your details are all correct", "have you tried restarting the app", "just to confirm your postcode",
        "i appreciate you explaining that",
    ),
}

#: agent talk for measuring the spotting grammars' false accepts (never trained or tuned on)
AGENT_TALK_TEST = {
    "zh": (
        "您现在方便吗", "您看这样可以吗", "我给您解释一下", "对的没错", "您还在线吗", "这个价格是最低的了",
        "我再帮您核实一下", "我们尽量帮您解决", "您的要求我记住了", "您现在在家吗",
    ),
    "en": (
        "just a moment while i look that up", "can you spell that for me", "thanks for your patience",
        "is this a good time for you", "let me confirm your details", "i hear you",
        "let me just pull up your file", "let me look at your history", "i totally get that",
        "i know this has been frustrating",
    ),
}


def read_sentences(path: str | Path) -> list[str]:
    """Sentences from a text file: one a line, or a TSV whose last column is the text ('#' = comment)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise VoskBuildError(f"cannot read sentences from {path}: {exc}") from exc
    out = []
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        text = normalize_phrase(line.split("\t")[-1])
        if text:
            out.append(text)
    return out


#: English words too common to mark a sentence as "about a menu option"
_EN_FUNCTION_WORDS = frozenset("a an the my it is in to of and that that's all about where i me yet not".split())
#: Mandarin characters too common to mark a sentence as "about a menu option"
_ZH_FUNCTION_CHARS = frozenset("我的了一个不吗有是要想么什还没到哪别其他吧再说上级你们这那就太")
_STEM = 5  # English words sharing their first 5 letters count as one (complain / complaint, ship / shipping)


def _en_stem(word: str) -> str:
    return word[:_STEM]


def _menu_pieces(phrases: PhraseSet) -> tuple[set[str], set[str]]:
    """Mandarin content characters and English content-word stems of the menu phrases."""
    zh = {c for p in phrases.zh for c in p} - _ZH_FUNCTION_CHARS
    en = {_en_stem(w) for p in phrases.en for w in p.split() if w not in _EN_FUNCTION_WORDS}
    return zh, en


def _hanzi(text: str) -> str:
    return re.sub(r"[^\u3400-\u9fff]", "", text)


def _spotted_pieces(phrases: PhraseSet) -> tuple[set[str], set[tuple[str, ...]]]:
    """The spotting phrases as whole pieces: Mandarin character strings, English word-stem sequences."""
    spot = [p for ps in phrases.spotting().values() for p in ps]
    zh = {_hanzi(p) for p in spot if lang_of(p) == "zh"} - {""}
    en = {tuple(_en_stem(w) for w in p.split()) for p in spot if lang_of(p) == "en"}
    return zh, en


def _contains_phrase(sentence: str, zh: set[str], en: set[tuple[str, ...]]) -> bool:
    if lang_of(sentence) == "zh":
        hanzi = _hanzi(sentence)
        return any(p in hanzi for p in zh)
    stems = tuple(_en_stem(w) for w in sentence.split())
    return any(stems[i:i + len(p)] == p for p in en for i in range(len(stems) - len(p) + 1))


def garbage_sentences(phrases: PhraseSet) -> dict[str, tuple[str, ...]]:
    """The fixed sentences that train ``[unk]``: the chit-chat, and with spotting sets also the agent
    talk, each without the sentences that say a spotting phrase (or share a character with the menu)."""
    if not phrases.spotting():
        return OOV_TRAIN
    chit_chat = without_spotted(OOV_TRAIN, phrases)
    talk = out_of_menu([s for ss in AGENT_TALK_TRAIN.values() for s in ss], phrases)
    return {lang: (*chit_chat.get(lang, ()), *talk.get(lang, ())) for lang in OOV_TRAIN}


def without_spotted(sentences: dict[str, tuple[str, ...]], phrases: PhraseSet) -> dict[str, tuple[str, ...]]:
    """The sentences (per language) that contain no spotting phrase: the built-in chit-chat says
    "我不知道" and "hello is anyone there", which must not teach ``[unk]`` a phrase the QA rules spot.
    Without spotting sets, the sentences as they are (same plan, same model as before)."""
    zh, en = _spotted_pieces(phrases)
    if not zh and not en:
        return sentences
    return {lang: tuple(s for s in ss if not _contains_phrase(s, zh, en)) for lang, ss in sentences.items()}


def out_of_menu(sentences: Iterable[str], phrases: PhraseSet, min_len: int = 3) -> dict[str, tuple[str, ...]]:
    """The sentences (per language) sharing no word with the menu (no content character of a menu
    phrase in Mandarin, no menu content word or a word of the same stem in English), so ``[unk]`` is
    their whole transcript and the garbage word never learns a menu word's sound. Short ones
    (< ``min_len`` words / characters) and sentences reserved for tuning or testing are left out too.

    Spotting phrases (long agent sentences such as 很高兴为您服务, built of the commonest
    characters) are matched whole instead: a sentence containing one is left out, one merely sharing
    a character stays, or hardly any Mandarin sentence would be left to train the garbage word."""
    held_back = (OOV_DEV, OOV_TEST, AGENT_TALK_DEV, AGENT_TALK_TEST)
    reserved = {s for group in held_back for ss in group.values() for s in ss}
    zh_chars, en_words = _menu_pieces(phrases.menu())
    spot_zh, spot_en = _spotted_pieces(phrases)
    out: dict[str, list[str]] = {"zh": [], "en": []}
    for sentence in dict.fromkeys(sentences):
        lang = lang_of(sentence)
        if sentence in reserved or _contains_phrase(sentence, spot_zh, spot_en):
            continue
        if lang == "zh":
            hanzi = _hanzi(sentence)
            if len(hanzi) < min_len or zh_chars.intersection(hanzi):
                continue
        else:
            words = sentence.split()
            if len(words) < min_len or en_words.intersection(_en_stem(w) for w in words):
                continue
        out[lang].append(sentence)
    return {lang: tuple(ss) for lang, ss in out.items()}

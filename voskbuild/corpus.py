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


def out_of_menu(sentences: Iterable[str], phrases: PhraseSet, min_len: int = 3) -> dict[str, tuple[str, ...]]:
    """The sentences (per language) sharing no word with the menu (no content character of a menu
    phrase in Mandarin, no menu content word or a word of the same stem in English), so ``[unk]`` is
    their whole transcript and the garbage word never learns a menu word's sound. Short ones
    (< ``min_len`` words / characters) and sentences reserved for tuning or testing are left out too."""
    reserved = {s for group in (OOV_DEV, OOV_TEST) for ss in group.values() for s in ss}
    zh_chars, en_words = _menu_pieces(phrases)
    out: dict[str, list[str]] = {"zh": [], "en": []}
    for sentence in dict.fromkeys(sentences):
        lang = lang_of(sentence)
        if sentence in reserved:
            continue
        if lang == "zh":
            hanzi = re.sub(r"[^\u3400-\u9fff]", "", sentence)
            if len(hanzi) < min_len or zh_chars.intersection(hanzi):
                continue
        else:
            words = sentence.split()
            if len(words) < min_len or en_words.intersection(_en_stem(w) for w in words):
                continue
        out[lang].append(sentence)
    return {lang: tuple(ss) for lang, ss in out.items()}

"""Fixed text material: carrier phrases around keywords and out-of-vocabulary sentences.

The OOV sentences come in three fixed sets: OOV_TRAIN trains the garbage model, OOV_DEV tunes the
decoder (garbage cost, acoustic scale), OOV_TEST is only ever used to measure false accepts.
"""

from __future__ import annotations

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
        "我们去爬山吧", "他的自行车坏了",
    ),
    "en": (
        "i love walking in the park", "the coffee is too hot", "what are you doing this weekend",
        "my brother plays the guitar", "the garden needs watering", "is it going to snow",
        "where did i put my glasses", "the movie was really long", "let's go for a swim",
        "the bus stop is over there", "she is reading a newspaper", "we need more milk",
    ),
}

#: held back from training, used to tune the decoder
OOV_DEV = {lang: sentences[-6:] for lang, sentences in OOV_TRAIN.items()}
OOV_TRAIN = {lang: sentences[:-6] for lang, sentences in OOV_TRAIN.items()}

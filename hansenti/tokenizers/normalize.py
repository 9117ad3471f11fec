"""Review text normalised before any tokenizer sees it: repeated characters and jamo
shortened (ㅋㅋㅋㅋ -> ㅋㅋ), emoji and emoticons kept, set apart, named or dropped, and
optionally the spacing restored with Kiwi.

Every tokenizer takes it as the option ``normalize`` (``-o normalize=repeats+emoji-space``);
the tokenizer contract applies it to every text it tokenizes or learns from, and it is
part of the tokenizer's saved state and fingerprint, so a run scores new reviews exactly
as it was trained. A spec is ``+``-joined steps:

- ``repeats`` (or ``repeats3``...): a run of one or two characters repeated more than 2
  (or N) times becomes 2 (N) of them: ㅋㅋㅋㅋㅋ -> ㅋㅋ, 하하하하 -> 하하, !!!!! -> !!;
- ``emoji-space``: emoji and emoticons (^^, ㅠㅠ, T_T, :) ...) become words of their own;
- ``emoji-name``: each emoji becomes its Unicode name as one token (😍 -> ``:smiling_face_
  with_heart-shaped_eyes:``), emoticons set apart;
- ``emoji-drop``: emoji and emoticons removed;
- ``spacing``: Kiwi restores the word spacing (needs kiwipiepy).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ..core.errors import HansentiError

#: emoji: pictographs, dingbats, symbols and their modifiers and joiners
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D"
                   "\U0001F3FB-\U0001F3FF]+")
#: emoticons common in Korean and English reviews (longest first)
EMOTICONS = re.compile(r"\^\^+|\^_+\^|\^\.\^|[ㅠㅜ]{2,}|[Tㅜㅠ]_+[Tㅜㅠ]|>_<|-_-+|;;+|"
                       r"(?<![\w])[:;]-?[)(DPp](?![\w])")
EMOJI_MODES = ("space", "name", "drop")


@dataclass(frozen=True)
class Normalization:
    """The steps of a ``normalize`` spec, in the order they run."""

    #: longest run of a repeated one- or two-character unit kept (None: runs kept)
    repeats: int | None = None
    #: what happens to emoji and emoticons (None: kept as they are)
    emoji: str | None = None
    #: whether Kiwi restores the spacing first
    spacing: bool = False

    @classmethod
    def parse(cls, spec: str) -> "Normalization":
        """``"repeats+emoji-space"`` -> the steps; an unknown step is a one-line error."""
        steps: dict[str, Any] = {}
        for step in filter(None, (part.strip() for part in str(spec).split("+"))):
            match = re.fullmatch(r"repeats(\d*)", step)
            if match:
                steps["repeats"] = int(match.group(1) or 2)
                if steps["repeats"] < 1:
                    raise HansentiError(f"normalize: {step} keeps no character; use repeats1 "
                                        "or more")
            elif step.startswith("emoji-") and step[6:] in EMOJI_MODES:
                steps["emoji"] = step[6:]
            elif step == "spacing":
                steps["spacing"] = True
            else:
                raise HansentiError(
                    f"normalize: unknown step {step!r}; steps are repeats[N], "
                    f"{', '.join('emoji-' + mode for mode in EMOJI_MODES)} and spacing, "
                    "joined by + (e.g. repeats+emoji-space)")
        if not steps:
            raise HansentiError("normalize: name at least one step, e.g. repeats")
        return cls(**steps)

    def spec(self) -> str:
        """The canonical spec: what tokenizer.json saves and the fingerprint covers."""
        return "+".join(step for step in (
            "spacing" if self.spacing else "",
            f"repeats{self.repeats}" if self.repeats else "",
            f"emoji-{self.emoji}" if self.emoji else "") if step)

    def __call__(self, text: str) -> str:
        if self.spacing and text.strip():
            text = kiwi().space(text)
        if self.repeats:
            text = shorten_repeats(text, self.repeats)
        if self.emoji:
            text = handle_emoji(text, self.emoji)
        return text


def shorten_repeats(text: str, keep: int) -> str:
    """Runs of a one- or two-character unit repeated more than ``keep`` times, cut to
    ``keep`` repetitions (a one-character unit first: ㅋㅋㅋ stays a run of ㅋ)."""
    text = re.sub(r"(.)\1{%d,}" % keep, lambda m: m.group(1) * keep, text)
    return re.sub(r"(..)\1{%d,}" % keep, lambda m: m.group(1) * keep, text)


def handle_emoji(text: str, mode: str) -> str:
    """Emoji and emoticons set apart as words (``space``), as their Unicode names
    (``name``), or removed (``drop``); spaces tidied."""
    if mode == "drop":
        text = EMOTICONS.sub(" ", EMOJI.sub(" ", text))
    else:
        text = EMOTICONS.sub(lambda m: f" {m.group(0)} ", text)
        text = EMOJI.sub(lambda m: f" {emoji_words(m.group(0)) if mode == 'name' else m.group(0)} ",
                         text)
    return " ".join(text.split())


def emoji_words(run: str) -> str:
    """Each emoji of ``run`` as ``:its_unicode_name:``, modifiers and joiners left out."""
    names = [unicodedata.name(char, "").lower().replace(" ", "_") for char in run
             if char not in "\uFE0F\u200D" and not "\U0001F3FB" <= char <= "\U0001F3FF"]
    return " ".join(f":{name}:" for name in names if name)


@functools.lru_cache(maxsize=1)
def kiwi() -> Any:
    """One Kiwi per process, for spacing."""
    try:
        from kiwipiepy import Kiwi
    except ImportError as error:
        raise HansentiError("normalize=spacing needs kiwipiepy: pip install "
                            "'hansenti[korean]'") from error
    return Kiwi()

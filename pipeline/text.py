"""Text normalisation and fuzzy phrase matching for the detectors.

Transcripts come from ASR or from people: often lowercase, unpunctuated, with misspelt or split
words.  Everything is compared after `fold` (lowercase, no accents, no punctuation), and phrases
match token windows with a fuzzy ratio, so "bon jour" still finds "bonjour".  A phrase may hold
`*` slots that stand for one or two words (a name: "ici * de", "this is * speaking"), and `...`
gaps of up to six words without a negation (Dutch separable verbs: "ik bel u ... terug" finds
"ik bel u morgen om tien uur terug").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Sequence

import yaml
from rapidfuzz import fuzz

LANGUAGES = ("fr", "nl", "en")

_TAGS = re.compile(r"\[[^\]]*\]|<[^>]*>")          # "[noise]", "<unk>" from transcribers
_NON_WORD = re.compile(r"[^0-9a-z]+")
# English negative contractions become "not", so "don't", "do not" and ASR's "doesnt" meet.
# (Bare "dont" is left alone: it is a French word.)
_NOT = re.compile(r"\b(does|did|is|are|was|were|have|has|had|would|could|should|must|need)"
                  r"(?:n['’]t|nt)\b")
_CANT = re.compile(r"\b(?:can['’]?t|cannot)\b")
_WONT = re.compile(r"\bwon['’]t\b")


def fold(text: str) -> str:
    """Lowercase, strip accents, tags and punctuation; single spaces."""
    text = _TAGS.sub(" ", text.lower())
    text = _WONT.sub("will not", _CANT.sub("can not", _NOT.sub(r"\1 not", text)))
    text = text.replace("don't", "do not").replace("don’t", "do not")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", text.replace("œ", "oe").replace("æ", "ae")).strip()


def tokens(text: str) -> tuple[str, ...]:
    return tuple(fold(text).split())


def strip_tags(text: str) -> str:
    """The text without transcriber tags ("[noise]", "<unk>"): they are not words said."""
    return _TAGS.sub(" ", text)


def languages_for(language: str) -> tuple[str, ...]:
    """The lexicon languages to use: the call's own, or all when it is unknown."""
    return (language,) if language in LANGUAGES else LANGUAGES


# ---------------------------------------------------------------------------------------------
# Numbers spoken as words ("quatre cinq deux" ~ "452"): identity data are often read out.

_NUMBER_WORDS = {
    "fr": "zero un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze "
          "quinze seize vingt trente quarante cinquante soixante septante huitante nonante cent "
          "mille",
    "nl": "nul een twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien "
          "vijftien zestien twintig dertig veertig vijftig zestig zeventig tachtig negentig "
          "honderd duizend",
    "en": "zero oh one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen twenty thirty forty fifty sixty seventy eighty ninety "
          "hundred thousand",
}
_VALUES = ("0 1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 20 30 40 50 60 70 80 90 100 1000",
           "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 20 30 40 50 60 70 80 90 100 1000",
           "0 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 20 30 40 50 60 70 80 90 100 1000")


@lru_cache(maxsize=None)
def _number_map(language: str) -> Mapping[str, str]:
    mapping: dict[str, str] = {}
    for lang, values in zip(LANGUAGES, _VALUES):
        if lang in languages_for(language):
            mapping.update(zip(_NUMBER_WORDS[lang].split(), values.split()))
    return MappingProxyType(mapping)


def number_words(language: str) -> frozenset[str]:
    """Number words of the language(s) ("deux", "twee", "two" ...), without the ones that are
    mostly articles or interjections ("un", "een", "one", "oh")."""
    return frozenset(_number_map(language)) - {"un", "une", "een", "one", "oh"}


# A number followed by one of these is an amount, a time or a duration, not an identifier.
_UNITS = frozenset(
    "dollar dollars euro euros eur cent cents centimes pound pounds pence franc francs percent "
    "pourcent procent am pm heure heures h uur uren minute minutes minuten seconde secondes "
    "second seconds seconden jour jours day days dag dagen semaine semaines week weeks weken "
    "mois month months maand maanden an ans year years jaar jaren fois times keer kwh gb go mb "
    "mo giga mega".split())


def digit_runs(toks: Sequence[str], language: str, *, min_len: int = 3) -> tuple[str, ...]:
    """Runs of spoken or written digits that look like identifiers, as digit strings.

    A lone "un"/"een"/"one" is an article far more often than a number, so only runs of two
    number words or a written number of `min_len` digits count; a run followed by a unit
    ("dollars", "p m", "jours") or holding "hundred"/"cent" is an amount or a time, not an
    identifier.
    """
    numbers = _number_map(language)
    runs: list[str] = []
    current: list[str] = []
    padded = list(toks) + [""]
    for pos, tok in enumerate(padded):
        value = tok if tok.isdigit() else numbers.get(tok)
        if value is not None:
            current.append(value)
            continue
        if current and tok in ("and", "et", "en") and padded[pos + 1] in numbers:
            current.append("+")         # "one hundred and two": one amount, not two runs
            continue
        quantity = tok in _UNITS or tuple(padded[pos:pos + 2]) in (("a", "m"), ("p", "m")) \
            or any(v in ("+", "100", "1000") for v in current)
        if current and not quantity and (len(current) >= 2 or len(current[0]) >= min_len):
            runs.append("".join(current))
        current = []
    return tuple(r for r in runs if len(r) >= min_len)


# ---------------------------------------------------------------------------------------------
# Lemmas and content words (for paraphrase detection)


@lru_cache(maxsize=None)
def nlp(language: str) -> Any:
    """The spaCy pipeline of a language: the French model, else a blank tokenizer."""
    import spacy  # deferred: importing spaCy costs a second, most commands never need it

    if language == "fr":
        return spacy.load("fr_core_news_sm", exclude=["parser", "ner"])
    return spacy.blank(language if language in LANGUAGES else "xx")


# Words that carry no content in a call whatever the sentence: politeness, fillers, call verbs.
_FILLERS = frozenset(
    "oui non ouais ok okay euh heu bah ben voila alors merci bonjour madame monsieur accord "
    "bien tres juste faire avoir etre pouvoir vouloir aller dire savoir voir falloir "
    "ja nee neen euhm oke dank bedankt goed hoor even mevrouw meneer zeker gewoon echt "
    "komen komt kom gaan gaat ga doen doet doe "
    "yes yeah yep no uh um hmm thanks thank please sir madam alright right sure well really "
    "just like want would could get got going know okay help".split())

_SUFFIXES = {"en": ("ing", "ed", "es", "s", "e", "ly"),
             "nl": ("heden", "heid", "en", "jes", "je", "e", "s", "t")}


# spaCy's English stop list (from a search-engine list) holds words that carry a call's
# content: "your last name", "the amount", "call back", "since your move".
_NOT_STOP = frozenset("name first last full amount call back move part side top bottom front "
                      "empty serious show fire".split())


@lru_cache(maxsize=None)
def _stop_words(language: str) -> frozenset[str]:
    words: set[str] = set(_FILLERS)
    for lang in languages_for(language):
        words |= {fold(w) for w in nlp(lang).Defaults.stop_words}
    return frozenset(words - _NOT_STOP)


def _rule_lemma(word: str, language: str) -> str:
    """A crude stem where spaCy has no lemmatiser: "dropped"/"drops"/"dropping" -> "drop",
    "moved"/"move" -> "mov".  A stem keeps three letters and a vowel; "-eed" is no "-ed"
    ("speed", "need")."""
    for suffix in _SUFFIXES.get(language, ()):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3 and any(v in stem for v in "aeiouy") and \
                not (suffix == "ed" and stem.endswith("e")):
            if stem[-1] == stem[-2] and stem[-1] not in "lsz" and stem[-1] not in "aeiou":
                stem = stem[:-1]
            return stem
    return word


@lru_cache(maxsize=8192)
def content_keys(text: str, language: str) -> frozenset[str]:
    """Content-word keys of a text: folded lemmas minus stop words and numbers.

    A key is cut to six letters so that word families and ASR suffix errors still meet
    ("facture"/"facturation", "resilier"/"resiliation").
    """
    lang = language if language in LANGUAGES else "en"
    stop = _stop_words(lang)
    keys = set()
    # spaCy sees accents and apostrophes (the French lemmatiser needs them); keys are folded.
    for tok in nlp(lang)(_TAGS.sub(" ", text.lower())):
        if tok.like_num or tok.is_punct:
            continue
        surface = fold(tok.text)
        if surface in stop:
            continue
        word = fold(tok.lemma_) if lang == "fr" and tok.lemma_ else _rule_lemma(surface, lang)
        if word in stop:
            # "veux" -> "vouloir", "keeps" -> "keep" are stop words; "evening" is no "even".
            if lang == "fr" or len(surface) - len(word) <= 1:
                continue
            word = surface
        if len(word) < 3 or " " in word:
            continue
        keys.add(word[:6])
    return frozenset(keys)


def is_stop_word(word: str, language: str) -> bool:
    """A word without content here: a function word or a call filler ("merci", "euh")."""
    return word in _stop_words(language)


@lru_cache(maxsize=None)
def _function_words(language: str) -> frozenset[str]:
    return frozenset(fold(w) for lang in languages_for(language)
                     for w in nlp(lang).Defaults.stop_words)


def is_function_word(word: str, language: str) -> bool:
    """A grammatical word of the language (spaCy's stop words: "le", "votre", "the")."""
    return word in _function_words(language)


# ---------------------------------------------------------------------------------------------
# Lexicons


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({str(k): _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@lru_cache(maxsize=None)
def lexicon(language: str) -> Mapping[str, Any]:
    """The packaged phrase lists of one language (pipeline/lexicon/<lang>.yaml)."""
    path = resources.files("pipeline") / "lexicon" / f"{language}.yaml"
    return _freeze(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def phrases(language: str, section: str, key: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Phrases of `section.key` for the call's language (all languages if unknown) + extras."""
    found: list[str] = []
    for lang in languages_for(language):
        found.extend(lexicon(lang).get(section, {}).get(key, ()))
    found.extend(extra)
    return tuple(dict.fromkeys(found))


# ---------------------------------------------------------------------------------------------
# Fuzzy phrase matching


@dataclass(frozen=True)
class Match:
    """Where a phrase matched: token span [start, end) of the searched tokens."""

    phrase: str
    start: int
    end: int
    score: float


def _threshold(chars: int) -> float:
    # Short words must match exactly ("hi" is not "hey"); longer phrases forgive an ASR slip.
    if chars <= 4:
        return 100.0
    if chars <= 10:
        return 92.0
    if chars <= 15:
        return 88.0
    return 85.0


# A fuzzy match must never add or drop a negation: "je suis intéressé" is not "je ne suis pas
# intéressé", however close the letters.
_NEGATIONS = frozenset("ne n pas plus jamais rien aucun aucune non not no never t nothing "
                       "niet geen nooit niets niks nee neen".split())


def _negations(toks: Iterable[str]) -> list[str]:
    return sorted(t for t in toks if t in _NEGATIONS)


def has_negation(toks: Iterable[str]) -> bool:
    """Whether folded tokens say "not" in any of our languages ("plus" alone is "more")."""
    return any(t in _NEGATIONS and t != "plus" for t in toks)


_GAP_WORDS = 6


@lru_cache(maxsize=4096)
def _compile(phrase: str) -> tuple[Any, ...]:
    """A phrase as literal segments (token tuples), slots (None) and gaps (Ellipsis)."""
    parts: list[Any] = []
    for chunk in re.split(r"(\*|\.\.\.|…)", phrase):
        if chunk == "*":
            parts.append(None)
        elif chunk in ("...", "…"):
            parts.append(...)
        elif tokens(chunk):
            parts.append(tokens(chunk))
    return tuple(parts)


def _tokens_agree(found: str, wanted: str) -> bool:
    """Word-level check behind a fuzzy match: short words may only differ by an ending
    ("met"/"mets"); longer ones must still look alike ("if" never stands for "so") and start
    alike, since a prefix changes the meaning ("appelle"/"rappelle", "able"/"unable")."""
    if found == wanted:
        return True
    if min(len(found), len(wanted)) <= 3:
        return found.startswith(wanted) or wanted.startswith(found)
    return found[0] == wanted[0] and fuzz.ratio(found, wanted) >= 70


def _window_score(window: Sequence[str], seg: tuple[str, ...]) -> float:
    target = " ".join(seg)
    text = " ".join(window)
    if text == target:
        return 100.0
    if _negations(window) != _negations(seg):
        return 0.0
    if len(window) == len(seg):
        if not all(_tokens_agree(w, p) for w, p in zip(window, seg)):
            return 0.0
        return fuzz.ratio(text, target)
    # A different word count is only forgiven as a split or merge ("bon jour", "any thing"),
    # which keeps nearly all the letters; a dropped word ("you like" for "you'd like") is not.
    score = fuzz.ratio(text.replace(" ", ""), target.replace(" ", ""))
    return score if score >= 95 else 0.0


# Spoken fillers that may sit inside a phrase without changing it ("nous avons donc convenu",
# "je vous mets euh en attente"); skipped in a window when the phrase does not contain them.
_FILLERS_INSIDE = frozenset("euh heu hum hmm uh um uhm er erm eh ehm donc alors bien just so well "
                            "dus nou even toujours vraiment still really actually steeds echt"
                            .split())


def _segment_at(toks: Sequence[str], i: int, seg: tuple[str, ...], floor: float
                ) -> list[tuple[int, float]]:
    """(end, score) of fuzzy matches of a literal segment starting at token i."""
    limit = max(floor, _threshold(len(" ".join(seg))))
    out = []
    for size in range(max(1, len(seg) - 1), len(seg) + 3):
        if i + size > len(toks):
            break
        window = toks[i:i + size]
        if len(window) > 1 and window[-1] in _FILLERS_INSIDE and window[-1] not in seg:
            continue                  # a filler may sit inside a match, not end it
        kept = [t for t in window if t not in _FILLERS_INSIDE or t in seg] or window
        if window[0] != kept[0]:
            continue                  # nor start it
        score = _window_score(kept, seg)
        if score >= limit:
            out.append((i + size, score))
    return out


def _slot_ok(toks: Sequence[str], language: str) -> bool:
    # A slot stands for a name: at least one of its words must not be a function word.
    return any(not is_stop_word(t, language) and not t.isdigit() for t in toks)


def _match_from(toks: Sequence[str], i: int, parts, language: str, floor: float
                ) -> tuple[int, float] | None:
    if not parts:
        return i, 100.0
    head, rest = parts[0], parts[1:]
    if head is ...:
        for size in range(_GAP_WORDS + 1):
            if i + size > len(toks) or _negations(toks[i:i + size]):
                break                 # "ik bel u niet terug" is no call-back
            found = _match_from(toks, i + size, rest, language, floor)
            if found:
                return found
        return None
    if head is None:
        for size in (1, 2):
            if i + size <= len(toks) and _slot_ok(toks[i:i + size], language):
                found = _match_from(toks, i + size, rest, language, floor)
                if found:
                    return found
        return None
    best = None
    for end, score in _segment_at(toks, i, head, floor):
        found = _match_from(toks, end, rest, language, floor)
        if found and (best is None or min(score, found[1]) > best[1]):
            best = (found[0], min(score, found[1]))
    return best


def find_phrase(toks: Sequence[str], phrase: str, *, language: str = "",
                threshold: float = 0.0) -> Match | None:
    """The best fuzzy match of `phrase` in folded tokens `toks`, or None.

    `threshold` raises (never lowers) the length-based default threshold.
    """
    parts = _compile(phrase)
    literal = [p for p in parts if isinstance(p, tuple)]
    if not literal:
        return None
    if language == "nl" and len(parts) == 1 and len(parts[0]) == 1:
        compound = _compound_head(toks, parts[0][0])
        if compound is not None:
            return Match(phrase, compound, compound + 1, 95.0)
    # Cheap prefilter: the longest literal segment must appear roughly somewhere, fillers aside
    # on both sides ("vous êtes bien monsieur" must pass on "… vous êtes bien monsieur X";
    # "donc", "so" alone are phrases of their own and are kept).
    seg = max(literal, key=lambda p: len(" ".join(p)))
    core = [t for t in seg if t not in _FILLERS_INSIDE]
    longest = " ".join(core or seg)
    text = " ".join(t for t in toks if t not in _FILLERS_INSIDE) if core else " ".join(toks)
    if fuzz.partial_ratio(longest, text or " ".join(toks)) < _threshold(len(longest)) - 10:
        return None
    best: Match | None = None
    for i in range(len(toks)):
        found = _match_from(toks, i, parts, language, threshold)
        if found and (best is None or found[1] > best.score):
            best = Match(phrase, i, found[0], found[1])
            if found[1] == 100.0:
                break
    return best


def _compound_head(toks: Sequence[str], word: str) -> int | None:
    """Position of a Dutch compound ending in `word` ("facturatiedienst" for "dienst",
    "reisverzekering" for "verzekering"): Dutch writes compounds as one word, with the head
    last.  Short words are left out ("dag" is no head of "vandaag")."""
    if len(word) < 5:
        return None
    for i, tok in enumerate(toks):
        if len(tok) >= len(word) + 3 and tok.endswith(word):
            return i
    return None


def find_any(toks: Sequence[str], candidates: Iterable[str], *, language: str = "",
             threshold: float = 0.0) -> tuple[Match, ...]:
    """Every candidate phrase that matches, best score first."""
    found = (find_phrase(toks, p, language=language, threshold=threshold) for p in candidates)
    return tuple(sorted((m for m in found if m), key=lambda m: (-m.score, m.start)))


__all__ = ["LANGUAGES", "Match", "content_keys", "digit_runs", "find_any", "find_phrase", "fold",
           "has_negation", "is_function_word", "is_stop_word", "languages_for", "lexicon", "nlp", "number_words",
           "phrases", "strip_tags", "tokens"]

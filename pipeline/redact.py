"""Masking personal data in transcripts and reports (`--redact`), keeping every timestamp.

A datum becomes a mask naming its kind: `[EMAIL]`, `[IBAN]`, `[PHONE]`, `[NUMBER]` (customer,
contract, account numbers, said in digits or digit by digit in words), `[DATE]` (a full date or
a date of birth) and `[ADDRESS]` (street with house number, postcode with city).  The patterns
are written for French, Dutch and English calls as Whisper writes them or as people transcribe
them.  Precision matters as much as recall: a quality coach must still read "3 jours",
"20 euros", "at 3 pm" or "votre plafond passe à 3000 euros", so small quantities, prices, times
and appointments ("jusqu'au 30 juin") stay.

Redact a report after scoring, never before: the detectors read the data (an identity check
looks for the customer number) and drop bracketed tags like the masks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from pipeline.detectors.silence import Silence
from pipeline.evidence import Evidence
from pipeline.report.model import QualityReport
from pipeline.scoring import QUOTE_CHARS, CriterionResult
from pipeline.text import strip_tags
from pipeline.transcript import Transcript, Turn, Word

EMAIL, IBAN, PHONE, NUMBER, DATE, ADDRESS = "EMAIL", "IBAN", "PHONE", "NUMBER", "DATE", "ADDRESS"
KINDS = (EMAIL, IBAN, PHONE, NUMBER, DATE, ADDRESS)
# Fewer digits than this in a run is a quantity, a time or a house number, not an identifier.
MIN_NUMBER_DIGITS = 5


@dataclass(frozen=True)
class Datum:
    """One piece of personal data found in a text: its character span and kind."""

    start: int
    end: int
    kind: str


# ---------------------------------------------------------------------------------------------
# Vocabulary

_I = re.IGNORECASE
_CAP = r"[A-ZÀ-ÖØ-Ý]"
_LOW = r"[a-zß-öø-ÿ]"

# What follows a number that is an amount, a duration, a time or a count: it stays readable.
_UNIT_AFTER = re.compile(
    r"\s*(?:[€$£%]|(?:euros?|eur|cents?|centimes?|dollars?|usd|pounds?|livres?|gbp|francs?|"
    r"pour\s?cents?|pourcents?|procent|percent|per\s?cent|jours?|days?|dagen|dag|semaines?|"
    r"weeks?|weken|mois|months?|maanden|maand|ans|années?|years?|jaar|jaren|heures?|hours?|"
    r"uur|uren|h|minutes?|minuten|min|mins|secondes?|seconds?|seconden|sec|km|kilom[eè]tres?|"
    r"kilometers?|m[eè]tres?|meters?|kg|kilos?|grammes?|grams?|kwh|kw|watts?|mbps|mb|gb|go|mo|"
    r"gigas?|m[ée]gas?|fois|times|keer|x|pm|am|p\.m|a\.m|personnes|people|mensen|pi[eè]ces|"
    r"stuks|items|pages|litres?|liters?|colis|pakketten|packages|parcels|sms|messages|unit[ée]s|"
    r"units|points|punten|tickets|clients|klanten|customers)\b)", _I)
_CURRENCY_BEFORE = re.compile(r"(?:[€$£]|\b(?:eur|euros?|usd|gbp))\s*$", _I)

_UNITS = (r"z[ée]ro|un|deux|trois|quatre|cinq|six|sept|huit|neuf|nul|een|één|twee|drie|vier|"
          r"vijf|zes|zeven|acht|negen|zero|oh|one|two|three|four|five|six|seven|eight|nine")
_TWO_DIGITS = (
    r"dix|onze|douze|treize|quatorze|quinze|seize|vingts?|trente|quarante|cinquante|soixante|"
    r"septante|huitante|octante|nonante|tien|elf|twaalf|dertien|veertien|vijftien|zestien|"
    r"zeventien|achttien|negentien|twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|"
    r"negentig|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|"
    r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    # Dutch writes 21-99 as one word: vijfenveertig, tweeëntwintig.
    r"(?:een|één|twee|drie|vier|vijf|zes|zeven|acht|negen)[eë]n(?:twintig|dertig|veertig|"
    r"vijftig|zestig|zeventig|tachtig|negentig)")
_NUM_WORD = rf"(?:{_TWO_DIGITS}|{_UNITS})\b"
# One spoken number: "quatre", "quarante-cinq", "quatre-vingt-dix-neuf", "vingt et un",
# "double five" (British phone readings).
_NUM_TOKEN = (rf"(?:(?:double|triple|dubbel)\s+)?{_NUM_WORD}(?:-(?:et-)?{_NUM_WORD})*"
              rf"(?:\s+et\s+(?:un|une|onze)\b)?")

_MONTHS = (
    r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|"
    r"d[ée]cembre|janv|f[ée]vr|avr|juil|d[ée]c|januari|februari|maart|april|mei|juni|juli|"
    r"augustus|september|oktober|november|december|mrt|okt|january|february|march|june|july|"
    r"august|october|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|may")
_MONTH = rf"(?:{_MONTHS})\b\.?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:er|ère|e|ème|st|nd|rd|th|ste|de)?\b"
_DAY_ANY = rf"(?:{_DAY}|premier|first|eerste|{_NUM_TOKEN})"
_YEAR4 = r"(?:1[89]|20)\d\d\b"
# A year said in words: "mille neuf cent septante-neuf", "nineteen seventy-nine",
# "negentienhonderd negenenzeventig", "twenty twenty-four".
_YEAR_WORDS = (rf"(?:mil(?:le)?|dix-neuf\s+cents?|deux\s+mille|negentienhonderd|negentien|"
               rf"tweeduizend|nineteen|two\s+thousand|twenty(?=[\s-]+{_NUM_WORD}))"
               rf"(?:[\s-]+(?:and\s+|en\s+|et\s+)?(?:{_NUM_TOKEN}|cents?|hundred|honderd))*")
_YEAR = rf"(?:{_YEAR4}|{_YEAR_WORDS}|['’]\d\d\b)"
_BIRTH = (r"\b(?:né(?:e|s|es)?|born|geboren|date\s+de\s+naissance|date\s+of\s+birth|"
          r"geboortedatum|birthday|anniversaire|verjaardag|dob)\b")

_STREET_FR = (r"rue|avenue|av\.|boulevard|bd|chauss[ée]e|place|chemin|all[ée]e|impasse|quai|"
              r"square|route|clos|dr[eè]ve|rond-point|sentier|parvis|esplanade|promenade|"
              r"r[ée]sidence")
# The street types that are no common word ("1 place de parking", "en route"): enough for an
# address in lowercase when a house number goes with them.
_STREET_FR_SURE = r"rue|avenue|av\.|boulevard|bd|chauss[ée]e|all[ée]e|impasse|dr[eè]ve"
_PARTICLES = (r"(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’]|la\s+|le\s+|les\s+|l['’]|"
              r"aux\s+|au\s+)")
# Capitalised words that follow "place", "route" … when a sentence lost its full stop.
_NOT_NAMES = (r"(?:Monsieur|Madame|Mademoiselle|Meneer|Mevrouw|Sir|Madam|Mister|Mr|Mrs|Ms|Je|"
              r"Il|Elle|On|Nous|Vous|Merci|Oui|Non|Bonjour|Au|Et|Mais|Donc|Alors|Ok|OK|Dank)\b")
_NAME_WORD = rf"(?!{_NOT_NAMES}){_CAP}[\w'’-]*"
_STREET_NAME = (rf"{_PARTICLES}?{_NAME_WORD}(?:\s+{_PARTICLES}?{_NAME_WORD}|\s+[IVX]+\b)"
                rf"{{0,3}}")
# Not "ring", "vest", "pad", "dam": "During 3 calls", "Invest 5", "Madam 2".
_NL_SUFFIX = (r"straat|laan|weg|plein|dreef|lei|steenweg|kaai|kade|markt|singel|gracht|dijk|"
              r"baan|hof|veld")
# Suffixes no common word ends with: lowercase is enough when a house number follows.
_NL_SUFFIX_SURE = r"straat|laan|steenweg|plein|dreef|singel|gracht|kaai|kade|lei"
# … and a capitalised name with one of these is a street even without a number.
_NL_SUFFIX_NAMED = r"straat|laan|steenweg|dreef|singel|gracht|kaai|kade"
_EN_SUFFIX = (r"Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Dr\.?|Close|Way|Court|"
              r"Place|Square|Crescent|Terrace|Boulevard|Blvd\.?|Gardens|Grove|Hill|Park|Row|"
              r"Mews|Walk")
_HOUSE = (r"(?:n°\s*|no\.?\s*|num[ée]ro\s+|nr\.?\s*|nummer\s+)?\d{1,4}(?:\s?(?:bis|ter)\b|"
          r"[a-zA-Z]\b)?(?:\s?(?:bte|bo[iî]te|bus|/)\s?\d{1,4})?(?![\d\w])")
_CITY = rf"{_CAP}{_LOW}+(?:[- ](?:{_CAP}{_LOW}+|lez|sur|sous|aan|op|am)){{0,3}}"
_POSTCODE_CITY = rf"[1-9]\d{{3}}\s+{_CITY}"
_TAIL = rf"(?:,?\s+{_POSTCODE_CITY}|,?\s+(?:à|in|te)\s+{_CITY})?"

_ID_NOUNS = (
    r"(?:num[ée]ro|n°|no\.?|nr\.?|nummer|number|r[ée]f[ée]rence|r[ée]f\.?|referentie|id)\s+"
    r"(?:de\s+|d['’]|du\s+|van\s+(?:uw\s+|de\s+|het\s+)?|of\s+(?:your\s+|the\s+)?)?"
    r"(?:client|contrat|compte|dossier|police|commande|facture|carte|membre|abonn[ée]|abonnement|"
    r"suivi|colis|r[ée]f[ée]rence|klant|contract|rekening|polis|bestelling|factuur|pakket|"
    r"zending|order|account|customer|policy|invoice|membership|card|ticket|case|tracking|"
    r"booking|reference)"
    r"|(?:client|customer|account|contract|policy|order|invoice|reference|membership|card|"
    r"ticket|case|tracking|booking|parcel)\s+(?:number|no\.?|id|nr)"
    r"|(?:klant|klanten|contract|rekening|dossier|polis|bestel|order|factuur|referentie|kaart|"
    r"lid|volg|tracking|pakket|zending)nummer"
    r"|code\s+(?:pin|secret|confidentiel)|pin(?:\s?code)?|pincode|security\s+code|cvc|cvv")

# Between "numéro client" and the number: only small words, so "numéro client et vous payez
# 250 par mois" keeps its amount.
_ID_FILLER = (r"(?:[\s:,-]|\b(?:c['’]est|est|is|it['’]s|het|dat|le|la|the|was|voici|bien|alors|"
              r"euh|eh|uh|uhm|hum|donc|so|dus|nog|toujours|still)\b)*?")

# One group of an identifier: digits, perhaps with capitals ("AB123456", "3SABC1234"), perhaps
# in brackets ("(555)").  A run is groups joined by spaces, dots, slashes or hyphens.
_ID_GROUP = r"\(?(?-i:[A-Z]{0,4}\d[\dA-Z]*)\)?"
# Capitals before a hyphen or slash belong to the identifier ("AB-123456"); before a space
# they are a word ("GSM 0470 …") and stay.
_DIGIT_RUN = (rf"(?:\+\s?|\(\+?\d{{1,4}}\)\s?|(?-i:[A-Z]{{1,4}})[-/])?{_ID_GROUP}"
              rf"(?:(?:[ ./-]|\s?\(0\)\s?|(?<=\))){_ID_GROUP}|-(?-i:[A-Z]{{1,3}})\b)*")


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern
    # The group to mask ("m"), or the whole match.
    group: str | int = 0
    accept: Callable[[str, re.Match], bool] | None = None


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _not_quantity(text: str, m: re.Match, group: str | int = 0) -> bool:
    start, end = m.span(group)
    return not _UNIT_AFTER.match(text, end) and not _CURRENCY_BEFORE.search(text[:start])


def _enough_digits(minimum: int) -> Callable[[str, re.Match], bool]:
    def accept(text: str, m: re.Match) -> bool:
        return _digits(m.group("m")) >= minimum and _not_quantity(text, m, "m")
    return accept


def _is_number(text: str, m: re.Match) -> bool:
    return _digits(m.group()) >= MIN_NUMBER_DIGITS and _not_quantity(text, m)


def _is_spoken_number(text: str, m: re.Match) -> bool:
    # Four digits said one by one, or at least five in three or more numbers said in pairs
    # ("quarante-cinq, douze, trente-trois"): a year ("nineteen seventy") or "deux, trois
    # fois" stays.
    tokens = re.findall(rf"{_NUM_TOKEN}|\d+", m.group(), _I)
    digits = sum(1 if re.fullmatch(_UNITS, t, _I) else 2 for t in tokens)
    enough = len(tokens) >= 4 or (len(tokens) >= 3 and digits >= MIN_NUMBER_DIGITS)
    return enough and _not_quantity(text, m)


def _postcode_city(text: str, m: re.Match) -> bool:
    # 1900-2099 before a capitalised word is more often a year ("in 2020 Proximus …") than a
    # postcode, unless the city is one of the few large ones with such a postcode.
    code = int(m.group("code"))
    if 1900 <= code <= 2099 and not re.match(
            r"(?:Antwerpen|Anvers|Antwerp|Zaventem|Overijse|Kraainem|Berchem|Deurne|Wilrijk|"
            r"Merksem|Hoboken|Borgerhout|Ekeren|Schoten|Brasschaat|Mortsel|Edegem)\b",
            m.group("city")):
        return False
    return not re.fullmatch(r"(?:Euros?|Eur|Francs?|Dollars?|Pounds?|Jours|Days|Dagen)",
                            m.group("city"))


def _rules() -> tuple[_Rule, ...]:
    """Most specific first: a later rule never sees what an earlier one masked."""
    email = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
    word = r"[^\W_]+"
    dot = r"(?:\s*\.\s*|\s+(?:dot|point|punt)\s+)"
    local_sep = (r"(?:\s*[._-]\s*|\s+(?:dot|point|punt|underscore|tiret(?:\s+du\s+bas)?|"
                 r"trait\s+d['’]union|(?:liggend\s+)?streepje|dash|hyphen|laag\s+streepje)\s+)")
    at = r"(?:\s*@\s*|,?\s+(?:at|arobase|arobas|apenstaartje|aapje)\s+)"
    tld = r"(?:com|be|fr|nl|org|net|eu|lu|de|uk|co|io|info|biz|ch|ca|es|it)\b"
    spoken_email = re.compile(
        rf"\b{word}(?:{local_sep}{word})*{at}{word}(?:{dot}{word})*?{dot}{tld}", _I)
    iban = re.compile(r"(?<![\w])[A-Z]{2}\s?\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?"
                      r"(?![\w])")
    numeric_date = re.compile(
        r"(?<![\d./-])(?:(?:[12]\d|3[01]|0?[1-9])([/.-])(?:1[0-2]|0?[1-9])\1(?:19|20)?\d\d"
        r"|(?:19|20)\d\d-(?:1[0-2]|0[1-9])-(?:[12]\d|3[01]|0[1-9]))(?![\d]|[./-]\d)")
    day_month_year = re.compile(
        rf"\b(?:{_DAY_ANY})\s+(?:de\s+|of\s+)?{_MONTH},?\s+{_YEAR}"
        rf"|\b{_MONTH}\s+(?:the\s+)?{_DAY_ANY},?\s+{_YEAR}", _I)
    birth_date = re.compile(
        rf"{_BIRTH}[^.?!]{{0,30}}?(?P<m>\b(?:{_DAY_ANY})\s+(?:de\s+|of\s+)?{_MONTH}"
        rf"(?:,?\s+(?:{_YEAR}|\d\d\b))?|\b{_MONTH}\s+(?:the\s+)?{_DAY_ANY}(?:,?\s+{_YEAR})?"
        rf"|\b\d{{1,2}}[/.-]\d{{1,2}}(?:[/.-]\d{{2,4}})?\b|\b{_YEAR4}|\b{_YEAR_WORDS})", _I)
    street_fr = re.compile(
        # "mise en place", "sur place", "en route", "une rue de Paris": no address.
        rf"(?:\b\d{{1,4}}(?:\s?(?:bis|ter)\b|[a-z]\b)?,?\s+)?\b(?<!en )(?<!sur )(?<!une )"
        rf"(?i:{_STREET_FR})\s+"
        rf"{_STREET_NAME}(?:,?\s+{_HOUSE})?{_TAIL}")
    street_fr_lower = re.compile(
        rf"\b(?:{_STREET_FR_SURE})\s+{_PARTICLES}?{_LOW}[\w'’-]{{2,}}(?:\s+{_LOW}[\w'’-]*)?,?"
        rf"\s+{_HOUSE}{_TAIL}"
        rf"|\b(?:\d{{1,4}}(?:\s?(?:bis|ter)\b|[a-z]\b)?|{_NUM_TOKEN}),?\s+(?:{_STREET_FR_SURE})\s+"
        rf"{_PARTICLES}?"
        rf"{_LOW}[\w'’-]+{_TAIL}", _I)
    street_nl = re.compile(
        rf"\b{_CAP}{_LOW}*(?:{_NL_SUFFIX})\s+{_HOUSE}{_TAIL}"
        rf"|\b{_LOW}+(?:{_NL_SUFFIX_SURE})\s+{_HOUSE}{_TAIL}"
        rf"|\b{_CAP}{_LOW}+(?:{_NL_SUFFIX_NAMED})\b{_TAIL}")
    street_en = re.compile(
        rf"\b\d{{1,4}}[A-Za-z]?,?\s+(?:{_CAP}{_LOW}+\s+){{1,3}}(?:{_EN_SUFFIX})(?!\w)"
        # As ASR writes it: "five five two main street".
        rf"|\b(?:\d{{1,4}}[A-Za-z]?,?|(?i:{_NUM_TOKEN})(?:\s+(?i:{_NUM_TOKEN})){{0,3}})\s+"
        rf"(?!(?:more|other|last|next|same|different|busy|small|big|long|little|old|whole)\b)"
        rf"(?:{_LOW}+\s+){{1,2}}(?i:street|road|avenue|lane|drive)\b"
        rf"|\b(?:{_CAP}{_LOW}+\s+){{1,2}}(?:Street|Road|Avenue|Lane|Drive|Crescent|Terrace)\b")
    nl_postcode = re.compile(
        r"\b[1-9]\d{3}\s?(?!EU|PM|AM|KM|KW|MB|GB|TB|TV|HD|CM|MM|ML|KG|SS|SA|SD)[A-Z]{2}\b"
        r"(?:,?\s*(?i:nummer|huisnummer|nr\.?|number|num[ée]ro)\s*\d{1,4}[a-z]?\b)?")
    uk_postcode = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b")
    postcode_cue = re.compile(
        r"\b(?:postcode|code\s+postale?|postal\s+code|zip(?:\s+code)?|postnummer)\b"
        r"[^.?!\d]{0,20}?(?P<m>\b\d{4,5}(?:\s?(?-i:[A-Z]{2})\b)?)", _I)
    postcode_city = re.compile(rf"(?<![\d.,/-])(?P<code>[1-9]\d{{3}})\s+(?P<city>{_CITY})")
    cued_number = re.compile(
        rf"\b(?:{_ID_NOUNS})\b{_ID_FILLER}(?P<m>(?<![\w+.,/-]){_DIGIT_RUN})", _I)
    number = re.compile(rf"(?<![\w+.,/-]){_DIGIT_RUN}")
    spoken = re.compile(rf"\b{_NUM_TOKEN}(?:(?:\s*,\s*|\s+|\s*-\s*)(?:{_NUM_TOKEN}|\d)\b)+", _I)
    return (
        _Rule(EMAIL, email), _Rule(EMAIL, spoken_email), _Rule(IBAN, iban),
        _Rule(DATE, numeric_date, accept=_not_quantity), _Rule(DATE, birth_date, "m"),
        _Rule(DATE, day_month_year),
        _Rule(ADDRESS, street_fr), _Rule(ADDRESS, street_fr_lower, accept=_not_quantity),
        _Rule(ADDRESS, street_nl, accept=_not_quantity), _Rule(ADDRESS, street_en),
        _Rule(ADDRESS, nl_postcode), _Rule(ADDRESS, uk_postcode),
        _Rule(ADDRESS, postcode_cue, "m"), _Rule(ADDRESS, postcode_city, accept=_postcode_city),
        _Rule(NUMBER, cued_number, "m", _enough_digits(3)),
        _Rule(NUMBER, number, accept=_is_number),
        _Rule(NUMBER, spoken, accept=_is_spoken_number),
    )


_RULES = _rules()
# Masked spans are blanked with this before the next rule looks: it is no word, digit or space.
_BLANK = "\x00"


# ---------------------------------------------------------------------------------------------
# Finding and masking


def find_data(text: str) -> tuple[Datum, ...]:
    """The personal data in `text`, in order, not overlapping."""
    found: list[Datum] = []
    work = text
    for rule in _RULES:
        new = [d for d in (_datum(work, m, rule) for m in rule.pattern.finditer(work)) if d]
        for d in new:
            work = work[:d.start] + _BLANK * (d.end - d.start) + work[d.end:]
        found.extend(new)
    return tuple(sorted(found, key=lambda d: d.start))


def _datum(work: str, m: re.Match, rule: _Rule) -> Datum | None:
    if rule.accept is not None and not rule.accept(work, m):
        return None
    start, end = m.span(rule.group)
    start, end = _trim(work, start, end)
    if end <= start or _BLANK in work[start:end]:
        return None
    if rule.kind == NUMBER and _is_phone(work[start:end]):
        return Datum(start, end, PHONE)
    return Datum(start, end, rule.kind)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """No surrounding spaces or punctuation, and no bracket left unpaired."""
    while start < end and (text[start].isspace() or text[start] in ",;:"):
        start += 1
    # A trailing full stop ends the sentence more often than an abbreviation ("14 feb.").
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:."):
        end -= 1
    span = text[start:end]
    if span.endswith(")") and span.count(")") > span.count("("):
        end -= 1
    if span.startswith("(") and span.count("(") > span.count(")"):
        start += 1
    return start, end


def _is_phone(run: str) -> bool:
    digits = re.sub(r"\D", "", run)
    if run.startswith(("+", "(+")) or digits.startswith("00"):
        return 8 <= len(digits) <= 15
    if re.fullmatch(r"0\d{8,9}", digits) and re.match(r"\(?0", run):
        return True
    return bool(re.fullmatch(r"\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}", run))


def mask(kind: str) -> str:
    """The text that replaces a datum of this kind."""
    return f"[{kind}]"


def redact_text(text: str) -> str:
    """`text` with every personal datum replaced by its mask, e.g. "[PHONE]"."""
    out, last = [], 0
    for d in find_data(text):
        out += [text[last:d.start], mask(d.kind)]
        last = d.end
    return "".join(out) + text[last:]


def redact_words(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Mask the words of one turn, every word keeping its own start and end.

    A datum is found in the words joined by spaces (it often spans several: "0470 12 34 56").
    The word where it starts carries the mask, plus what is left of the last word it covers
    ("56," leaves ","); the other words it covers become empty.  So the non-empty words,
    joined by spaces, are exactly the masked turn text.
    """
    joined = " ".join(w.text for w in words)
    data = find_data(joined)
    if not data:
        return words
    word_at, starts, pos = [-1] * len(joined), [], 0
    for i, w in enumerate(words):
        starts.append(pos)
        word_at[pos:pos + len(w.text)] = [i] * len(w.text)
        pos += len(w.text) + 1
    owner, texts = list(range(len(words))), [""] * len(words)
    c, pending = 0, list(data)
    while c < len(joined):
        if pending and pending[0].start == c:
            d = pending.pop(0)
            texts[owner[word_at[c]]] += mask(d.kind)
            # Words that begin inside the datum belong to the word where it began.
            for i, s in enumerate(starts):
                if d.start < s < d.end:
                    owner[i] = owner[word_at[c]]
            c = d.end
            continue
        if word_at[c] >= 0:
            texts[owner[word_at[c]]] += joined[c]
        c += 1
    return tuple(replace(w, text=t) for w, t in zip(words, texts))


def redact_transcript(transcript: Transcript) -> Transcript:
    """The transcript with every turn's text and words masked; all times unchanged."""
    return replace(transcript, turns=tuple(_redact_turn(t) for t in transcript.turns))


def _redact_turn(turn: Turn) -> Turn:
    return replace(turn, text=redact_text(turn.text), words=redact_words(turn.words))


def redact_evidence(evidence: Evidence) -> Evidence:
    """The same quote, masked; times, speaker and label unchanged."""
    return replace(evidence, text=redact_text(evidence.text))


def redact_report(report: QualityReport) -> QualityReport:
    """The report with the transcript, every quote and every feedback sentence masked."""
    card = report.scorecard
    return replace(
        report,
        transcript=redact_transcript(report.transcript),
        silences=tuple(_redact_silence(s) for s in report.silences),
        scorecard=replace(card, criteria=tuple(_redact_result(c) for c in card.criteria)))


def _redact_silence(silence: Silence) -> Silence:
    if silence.announcement is None:
        return silence
    return replace(silence, announcement=redact_evidence(silence.announcement))


def _redact_result(result: CriterionResult) -> CriterionResult:
    return replace(result, evidence=tuple(redact_evidence(e) for e in result.evidence),
                   feedback=_redact_feedback(result.feedback, result.evidence),
                   note=redact_text(result.note))


def _redact_feedback(feedback: str, evidence: Iterable[Evidence]) -> str:
    # Feedback quotes evidence clipped to QUOTE_CHARS: a datum cut by the clip ("0470 1…")
    # may be too short to be found in the sentence, so each quote is swapped for the clip of
    # its masked text first; the sentence is then masked as a whole for anything else.
    for e in evidence:
        said = " ".join(strip_tags(e.text).split())
        if said and _clip(said) in feedback:
            feedback = feedback.replace(_clip(said), _clip(redact_text(said)))
    return redact_text(feedback)


def _clip(text: str) -> str:
    """As scoring.render_feedback clips a quote, but never inside a mask."""
    if len(text) <= QUOTE_CHARS:
        return text
    cut = QUOTE_CHARS - 1
    for m in re.finditer(r"\[[A-Z]+\]", text):
        if m.start() < cut < m.end():
            cut = m.end()
    return text[:cut].rstrip() + "…"


__all__ = ["KINDS", "Datum", "find_data", "mask", "redact_evidence", "redact_report",
           "redact_text", "redact_transcript", "redact_words"]

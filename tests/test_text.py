"""Text normalisation, numbers, lemmas, lexicons and fuzzy phrase matching."""

from __future__ import annotations

import pytest

from pipeline.text import (LANGUAGES, content_keys, digit_runs, find_any, find_phrase, fold,
                           lexicon, phrases, tokens)


def test_fold_lowercases_strips_accents_punctuation_and_tags():
    assert fold("Bonjour, Mme Lefèvre ! Ça va ? [noise] <unk>") == "bonjour mme lefevre ca va"
    assert tokens("C'est-à-dire l'appareil") == ("c", "est", "a", "dire", "l", "appareil")


def test_fold_expands_english_negative_contractions_but_not_french_dont():
    assert fold("I don't, can't, won't; doesnt") == "i do not can not will not does not"
    assert fold("le contrat dont je parle") == "le contrat dont je parle"


@pytest.mark.parametrize("text, phrase", [
    ("bon jour madame", "bonjour"),                          # split word
    ("aurevoir et bonne journée", "au revoir"),              # merged words
    ("je mappelle julie", "je m'appelle"),                   # lost apostrophe
    ("si je comprend bien vous voulez", "si je comprends bien"),   # ASR agreement slip
    ("je vous met en attente", "je vous mets en attente"),
    ("IS THERE ANY THING ELSE", "anything else"),
    ("vous etes bien chez engie", "vous êtes bien chez"),     # accents missing
])
def test_fuzzy_phrase_matching_survives_asr_errors(text, phrase):
    assert find_phrase(tokens(text), phrase) is not None


@pytest.mark.parametrize("text, phrase", [
    ("je suis intéressé", "je ne suis pas intéressé"),      # a negation is never forgiven
    ("je ne suis pas satisfait", "je suis satisfait de"),
    ("if you want to", "so you want to"),                   # short words must agree
    ("which account would you like", "you'd like"),         # a dropped word is not a split
    ("have a great way", "have a great day"),
    ("this is it", "hi"),                                   # words, not substrings
    ("bonsoir", "bonjour"),
])
def test_fuzzy_phrase_matching_rejects_near_misses(text, phrase):
    assert find_phrase(tokens(text), phrase) is None


def test_match_reports_token_span():
    m = find_phrase(tokens("oui alors si je comprends bien vous voulez"), "si je comprends bien")
    assert (m.start, m.end, m.score) == (2, 6, 100.0)


def test_slots_stand_for_a_name_not_for_function_words():
    toks = tokens("bonjour ici marc de chez proximus")
    assert find_phrase(toks, "ici * de", language="fr") is not None
    assert find_phrase(tokens("thank you for calling how can i help"), "thank you for calling *",
                       language="en") is None
    assert find_phrase(tokens("thank you for calling acme bank"), "thank you for calling *",
                       language="en") is not None


def test_find_any_returns_all_matching_phrases_best_first():
    found = find_any(tokens("merci beaucoup au revoir"), ["au revoir", "merci", "bonjour"])
    assert [m.phrase for m in found][:2] in (["au revoir", "merci"], ["merci", "au revoir"])
    assert all(m.phrase != "bonjour" for m in found)


@pytest.mark.parametrize("text, language, runs", [
    ("mon numéro c'est quatre cinq deux un huit", "fr", ("45218",)),
    ("it's seven one five one three nine", "en", ("715139",)),
    ("het is 8812 33", "nl", ("881233",)),
    ("one hundred and twenty two dollars", "en", ()),        # an amount, not an identifier
    ("four thirty p m", "en", ()),                          # a time
    ("je voudrais un rendez-vous", "fr", ()),               # "un" is an article
])
def test_digit_runs_find_identifiers_spoken_or_written(text, language, runs):
    assert digit_runs(tokens(text), language) == runs


def test_content_keys_use_french_lemmas_and_drop_stop_words():
    keys = content_keys("Vous souhaitez résilier votre contrat d'électricité ?", "fr")
    assert {"souhai", "resili", "contra", "electr"} <= keys
    assert not keys & {"vous", "votre"}
    assert content_keys("Je veux résilier", "fr") == content_keys("je voulais résilier", "fr")


def test_content_keys_rule_stems_for_english_and_dutch():
    assert content_keys("it dropped", "en") == content_keys("dropping", "en") == {"drop"}
    assert "contra" in content_keys("mijn contracten opzeggen", "nl")


def test_lexicons_load_for_every_language_with_the_same_sections():
    sections = {lang: {(s, k) for s, d in lexicon(lang).items() for k in d} for lang in LANGUAGES}
    assert sections["fr"] == sections["nl"] == sections["en"]
    for lang in LANGUAGES:
        for section, key in sections[lang]:
            assert phrases(lang, section, key), (lang, section, key)


def test_unknown_language_uses_all_lexicons_and_extras_extend():
    merged = phrases("xx", "closing", "farewell", ("salut les amis",))
    assert {"au revoir", "tot ziens", "goodbye", "salut les amis"} <= set(merged)


def test_a_filler_word_can_be_a_phrase_of_its_own():
    from pipeline.text import find_phrase, tokens
    assert find_phrase(tokens("votre plafond est donc relevé"), "donc") is not None
    assert find_phrase(tokens("so an engineer comes on thursday"), "so") is not None


def test_a_different_first_letter_is_a_different_word():
    from pipeline.text import find_phrase, tokens
    # "appeler" is not "rappeler": a prefix changes the meaning, however close the letters.
    assert find_phrase(tokens("je vous appelle car votre adresse"), "je vous rappelle") is None
    assert find_phrase(tokens("je vous rappele demain"), "je vous rappelle") is not None
    assert find_phrase(tokens("i am unable to pay"), "i am able to") is None


def test_dutch_compounds_match_their_head_word():
    from pipeline.text import find_phrase, tokens
    match = find_phrase(tokens("ik verbind u door met de facturatiedienst"), "dienst",
                        language="nl")
    assert match is not None and (match.start, match.end) == (6, 7)
    assert find_phrase(tokens("tot vandaag"), "dag", language="nl") is None
    assert find_phrase(tokens("met de facturatiedienst"), "dienst", language="fr") is None


def test_a_gap_bridges_a_separable_verb_but_not_a_negation():
    from pipeline.text import find_phrase, tokens
    phrase = "ik bel u ... terug"
    assert find_phrase(tokens("ik bel u morgen om tien uur terug"), phrase, language="nl")
    assert find_phrase(tokens("ik bel u terug"), phrase, language="nl")
    assert find_phrase(tokens("ik bel u zeker niet terug"), phrase, language="nl") is None
    assert find_phrase(tokens("ik bel u een van de komende weken misschien ooit terug"), phrase,
                       language="nl") is None        # more than six words apart


def test_call_centre_words_are_content_even_where_spacy_calls_them_stop_words():
    from pipeline.text import content_keys
    keys = content_keys("what is your last name and the amount", "en")
    assert keys == content_keys("last names amounts", "en") and len(keys) == 3
    assert content_keys("moved", "en") == content_keys("move", "en")


def test_the_three_lexicons_have_the_same_lists_of_text():
    # YAML reads a bare yes/no/on/off as a boolean: every entry must stay text.
    from pipeline.text import LANGUAGES, lexicon
    shapes = {}
    for language in LANGUAGES:
        lex = lexicon(language)
        shapes[language] = {(section, key) for section, lists in lex.items() for key in lists}
        for section, lists in lex.items():
            for key, entries in lists.items():
                assert entries and all(isinstance(e, str) and e.strip() for e in entries), \
                    (language, section, key)
    assert shapes["fr"] == shapes["nl"] == shapes["en"]

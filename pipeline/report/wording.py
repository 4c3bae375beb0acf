"""Wording: the words a human-readable report uses, in French, Dutch and English.

One place for them so the call page, the trainee's Markdown and the batch overview say the same
thing the same way.  The feedback sentences themselves come from the rubric.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

LANGUAGES = ("fr", "nl", "en")


@dataclass(frozen=True)
class Wording:
    lang: str
    status: Mapping[str, str]           # met / partial / not_met / not_applicable
    speaker: Mapping[str, str]          # agent / customer
    silence: Mapping[str, str]          # dead_air / hold
    short_name: Mapping[str, str]       # criterion id -> short name for lanes and columns
    fact: Mapping[str, str]             # the counts a criterion states (objections, rebuttals)
    colon: str                          # French puts a space before it
    score: str
    verdict: str
    duration: str
    language: str
    channels: str
    rubric: str
    model: str
    source: str
    timeline: str
    criteria: str
    criterion: str
    status_heading: str
    evidence: str
    competences: str
    feedback: str
    transcript: str
    silences: str
    gaps: str                           # the timeline lane of silence gaps
    critical: str
    no_audio: str
    cannot_play: str
    no_evidence: str
    # Trainee feedback
    your_feedback: str
    went_well: str
    next_time: str
    intro_ok: str                       # {score}
    intro_nok: str                      # {score} {count}
    intro_nothing: str
    listen: str
    call_of: str                        # {call_id}
    # Batch overview
    overview: str
    calls: str
    call: str
    agent: str
    mean_score: str
    ok_rate: str
    total_audio: str
    pass_rates: str
    pass_rate: str
    per_criterion: str
    pass_rate_note: str
    score_distribution: str
    number_of_calls: str
    longest_dead_air: str
    dead_air_column: str
    no_dead_air: str
    per_agent: str
    all_calls: str
    share_of_calls: str
    minutes: str

    def speaker_name(self, speaker: str) -> str:
        return self.speaker.get(speaker, speaker) or "—"

    def criterion_name(self, criterion_id: str, title: str = "") -> str:
        return self.short_name.get(criterion_id) or title or criterion_id


def _frozen(**items: str) -> Mapping[str, str]:
    return MappingProxyType(dict(items))


_FR = Wording(
    lang="fr",
    status=_frozen(met="acquis", partial="partiel", not_met="non acquis",
                   not_applicable="sans objet"),
    speaker=_frozen(agent="Agent", customer="Client"),
    silence=_frozen(dead_air="blanc", hold="attente annoncée"),
    short_name=_frozen(greeting="Accueil", identity_check="Identité",
                       reformulation="Reformulation", objections="Objections",
                       closing="Clôture", silence="Silences"),
    fact=_frozen(objections="objections", rebuttals="réponses aux objections"),
    colon=" :", score="Score", verdict="Verdict", duration="Durée", language="Langue",
    channels="Canaux",
    rubric="Grille", model="Modèle", source="Fichier", timeline="Déroulé de l'appel",
    criteria="Critères", criterion="Critère", status_heading="Statut",
    evidence="Preuves", competences="Compétences",
    feedback="Commentaire", transcript="Transcription", silences="Silences", gaps="Pauses",
    critical="critique",
    no_audio="Pas d'enregistrement lié à ce rapport (appel importé en transcription).",
    cannot_play="Ce navigateur ne peut pas lire l'enregistrement.",
    no_evidence="aucune preuve",
    your_feedback="Votre retour", went_well="Ce qui a bien marché",
    next_time="À travailler la prochaine fois",
    intro_ok="Bravo, cet appel est validé ({score}/100). Voici ce qui a bien marché, "
             "et ce que vous pouvez encore peaufiner.",
    intro_nok="Cet appel n'est pas encore validé ({score}/100). Beaucoup de choses "
              "fonctionnent déjà ; {count} point(s) à travailler pour y arriver.",
    intro_nothing="Rien à évaluer dans cet appel.",
    listen="écouter", call_of="Retour sur l'appel {call_id}",
    overview="Vue d'ensemble du lot", calls="Appels", call="Appel", agent="Agent",
    mean_score="Score moyen", ok_rate="Appels OK", total_audio="Audio",
    pass_rates="Réussite par critère", pass_rate="Taux de réussite",
    per_criterion="Détail par critère",
    pass_rate_note="Taux de réussite = appels « acquis » parmi les appels où le critère "
                   "s'applique.",
    score_distribution="Répartition des scores", number_of_calls="Nombre d'appels",
    longest_dead_air="Les plus longs blancs",
    dead_air_column="Plus long blanc", no_dead_air="Aucun blanc dans ce lot.",
    per_agent="Moyennes par agent", all_calls="Tous les appels",
    share_of_calls="Part des appels", minutes="min",
)

_NL = Wording(
    lang="nl",
    status=_frozen(met="behaald", partial="gedeeltelijk", not_met="niet behaald",
                   not_applicable="n.v.t."),
    speaker=_frozen(agent="Agent", customer="Klant"),
    silence=_frozen(dead_air="stilte", hold="aangekondigde wachttijd"),
    short_name=_frozen(greeting="Begroeting", identity_check="Identiteit",
                       reformulation="Herformulering", objections="Bezwaren",
                       closing="Afsluiting", silence="Stiltes"),
    fact=_frozen(objections="bezwaren", rebuttals="weerleggingen"),
    colon=":", score="Score", verdict="Oordeel", duration="Duur", language="Taal",
    channels="Kanalen", rubric="Beoordelingsschaal", model="Model", source="Bestand",
    timeline="Verloop van het gesprek",
    criteria="Criteria", criterion="Criterium", status_heading="Status",
    evidence="Bewijs", competences="Competenties",
    feedback="Feedback", transcript="Transcript", silences="Stiltes", gaps="Pauzes",
    critical="kritiek",
    no_audio="Geen opname gekoppeld aan dit rapport (gesprek ingelezen als transcript).",
    cannot_play="Deze browser kan de opname niet afspelen.",
    no_evidence="geen bewijs",
    your_feedback="Uw feedback", went_well="Wat goed ging",
    next_time="Voor de volgende keer",
    intro_ok="Goed gedaan, dit gesprek is geslaagd ({score}/100). Dit ging goed, "
             "en dit kunt u nog verfijnen.",
    intro_nok="Dit gesprek is nog niet geslaagd ({score}/100). Veel gaat al goed; "
              "{count} punt(en) om aan te werken.",
    intro_nothing="Niets te beoordelen in dit gesprek.",
    listen="beluisteren", call_of="Feedback op gesprek {call_id}",
    overview="Overzicht van de reeks", calls="Gesprekken", call="Gesprek", agent="Agent",
    mean_score="Gemiddelde score", ok_rate="Gesprekken OK", total_audio="Audio",
    pass_rates="Slaagpercentage per criterium", pass_rate="Slaagpercentage",
    per_criterion="Details per criterium",
    pass_rate_note="Slaagpercentage = gesprekken \"behaald\" onder de gesprekken waarop het "
                   "criterium van toepassing is.",
    score_distribution="Verdeling van de scores", number_of_calls="Aantal gesprekken",
    longest_dead_air="Langste stiltes",
    dead_air_column="Langste stilte", no_dead_air="Geen stiltes in deze reeks.",
    per_agent="Gemiddelden per agent", all_calls="Alle gesprekken",
    share_of_calls="Aandeel van de gesprekken", minutes="min",
)

_EN = Wording(
    lang="en",
    status=_frozen(met="met", partial="partial", not_met="not met",
                   not_applicable="not applicable"),
    speaker=_frozen(agent="Agent", customer="Customer"),
    silence=_frozen(dead_air="dead air", hold="announced hold"),
    short_name=_frozen(greeting="Greeting", identity_check="Identity check",
                       reformulation="Reformulation", objections="Objections",
                       closing="Closing", silence="Silence"),
    fact=_frozen(objections="objections", rebuttals="rebuttals"),
    colon=":", score="Score", verdict="Verdict", duration="Duration", language="Language",
    channels="Channels", rubric="Rubric", model="Model", source="File",
    timeline="The call at a glance", criteria="Criteria", criterion="Criterion",
    status_heading="Status",
    evidence="Evidence", competences="Competences", feedback="Feedback",
    transcript="Transcript", silences="Silences", gaps="Gaps", critical="critical",
    no_audio="No recording is linked to this report (the call came in as a transcript).",
    cannot_play="This browser cannot play the recording.",
    no_evidence="no evidence",
    your_feedback="Your feedback", went_well="What went well", next_time="Next time",
    intro_ok="Well done, this call passes ({score}/100). Here is what worked, and what you "
             "can still polish.",
    intro_nok="This call does not pass yet ({score}/100). A lot already works; "
              "{count} point(s) to work on to get there.",
    intro_nothing="Nothing to assess in this call.",
    listen="listen", call_of="Feedback on call {call_id}",
    overview="Batch overview", calls="Calls", call="Call", agent="Agent",
    mean_score="Mean score", ok_rate="Calls OK", total_audio="Audio",
    pass_rates="Pass rate per criterion", pass_rate="Pass rate",
    per_criterion="Per criterion",
    pass_rate_note="Pass rate = calls where the criterion is met, among the calls where it "
                   "applies.",
    score_distribution="Score distribution", number_of_calls="Number of calls",
    longest_dead_air="Calls with the longest dead air",
    dead_air_column="Longest dead air", no_dead_air="No dead air in this batch.",
    per_agent="Averages per agent", all_calls="All calls",
    share_of_calls="Share of calls", minutes="min",
)

_WORDINGS = MappingProxyType({"fr": _FR, "nl": _NL, "en": _EN})


def page_language(requested: str | None, call_language: str) -> str:
    """The report language: the one asked for, else the call's, else English."""
    for lang in (requested, call_language):
        if lang in _WORDINGS:
            return lang
    return "en"


def wording(lang: str) -> Wording:
    return _WORDINGS.get(lang, _EN)


def clock(seconds: float) -> str:
    """m:ss (h:mm:ss past an hour), rounded down as audio players show time."""
    total = int(max(seconds, 0.0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

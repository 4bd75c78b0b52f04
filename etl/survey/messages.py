"""Plain-language fr/nl/en messages for validation errors (what, where, how to fix).

Messages are stored in the warehouse (``meta.quarantine``), so they name the line, the question
and the rule but never quote the value as given (see :data:`TEMPLATES`)."""

from __future__ import annotations

from core.i18n import separators
from etl.survey.codebook import EXCLUSIVE_OPTION, LANGUAGES, Codebook

_WHERE = {
    "fr": "Ligne {line}, question « {label} » ({field}) : ",
    "nl": "Rij {line}, vraag '{label}' ({field}): ",
    "en": "Line {line}, question '{label}' ({field}): ",
}
TEMPLATES: dict[str, dict[str, str]] = {
    "type_integer": {
        "fr": "la réponse n'est pas un nombre entier. Indiquez un nombre sans décimales, par ex. 12.",
        "nl": "het antwoord is geen geheel getal. Geef een getal zonder decimalen, bv. 12.",
        "en": "the answer is not a whole number. Enter a number without decimals, e.g. 12.",
    },
    "type_decimal": {
        "fr": "la réponse n'est pas un nombre. Indiquez un nombre, par ex. 12,5.",
        "nl": "het antwoord is geen getal. Geef een getal, bv. 12,5.",
        "en": "the answer is not a number. Enter a number, e.g. 12.5.",
    },
    "type_date": {
        "fr": "la réponse n'est pas une date. Utilisez le format jj/mm/aaaa.",
        "nl": "het antwoord is geen datum. Gebruik de vorm dd/mm/jjjj.",
        "en": "the answer is not a date. Use the form dd/mm/yyyy.",
    },
    "range": {
        "fr": "le nombre est en dehors des valeurs permises ({min} à {max}). Corrigez le nombre.",
        "nl": "het getal ligt buiten de toegelaten waarden ({min} tot {max}). Verbeter het getal.",
        "en": "the number is outside the allowed values ({min} to {max}). Correct the number.",
    },
    "choice": {
        "fr": "la réponse n'est pas une réponse prévue. Réponses possibles : {allowed}.",
        "nl": "het antwoord is geen voorzien antwoord. Mogelijke antwoorden: {allowed}.",
        "en": "the answer is not one of the possible answers: {allowed}.",
    },
    "required": {
        "fr": "cette réponse est obligatoire et manque. Complétez-la.",
        "nl": "dit antwoord is verplicht en ontbreekt. Vul het aan.",
        "en": "this answer is required and missing. Please fill it in.",
    },
    "relevance": {
        "fr": "cette question ne concerne que les réponses où « {condition} » = « {expected} ». "
        "Videz cette réponse ou corrigez « {condition} ».",
        "nl": "deze vraag geldt enkel als '{condition}' = '{expected}'. Maak dit antwoord leeg of "
        "verbeter '{condition}'.",
        "en": "this question only applies when '{condition}' = '{expected}'. Clear this answer or "
        "correct '{condition}'.",
    },
    "share_sum": {  # {value}: the sum of the six shares, computed (not an answer as given)
        "fr": "les six parts du budget totalisent {value} % au lieu de 100 %. Corrigez les parts "
        "pour que leur somme fasse 100.",
        "nl": "de zes aandelen van het budget zijn samen {value} % in plaats van 100 %. Verbeter "
        "de aandelen zodat ze samen 100 zijn.",
        "en": "the six budget shares add up to {value}% instead of 100%. Correct the shares so "
        "that they add up to 100.",
    },
    "none_exclusive": {
        "fr": "« {none} » ne peut pas être combiné avec d'autres réponses. Gardez soit "
        "« {none} », soit les autres réponses.",
        "nl": "'{none}' kan niet gecombineerd worden met andere antwoorden. Behoud "
        "ofwel '{none}', ofwel de andere antwoorden.",
        "en": "'{none}' cannot be combined with other answers. Keep either '{none}' or the other answers.",
    },
    "future_date": {
        "fr": "la date d'envoi est dans le futur. Vérifiez la date de l'appareil ou de l'export.",
        "nl": "de verzenddatum ligt in de toekomst. Controleer de datum van het toestel of de export.",
        "en": "the submission time is in the future. Check the date of the device or of the export.",
    },
    "org_id_format": {
        "fr": "la réponse n'est pas un numéro d'entreprise belge (10 chiffres commençant par 0 "
        "ou 1, points permis). Recopiez-le depuis la Banque-Carrefour des Entreprises.",
        "nl": "het antwoord is geen Belgisch ondernemingsnummer (10 cijfers die met 0 of 1 "
        "beginnen, punten toegelaten). Neem het over uit de Kruispuntbank van Ondernemingen.",
        "en": "the answer is not a Belgian enterprise number (10 digits starting with 0 or 1, "
        "dots allowed). Copy it from the Crossroads Bank for Enterprises.",
    },
    "org_id_check": {
        "fr": "le numéro contient une faute de frappe (les deux derniers chiffres de contrôle "
        "ne correspondent pas). Vérifiez-le dans la Banque-Carrefour des Entreprises.",
        "nl": "het nummer bevat een tikfout (de twee controlecijfers kloppen niet). "
        "Controleer het in de Kruispuntbank van Ondernemingen.",
        "en": "the number contains a typo (the two check digits do not match). Check it "
        "in the Crossroads Bank for Enterprises.",
    },
}
# Only share_sum shows a number, the computed total; no template quotes an answer as given (a
# shifted column would put enterprise numbers and names there). The answers as given stay in
# the landing area's quarantine file, which the coordinator corrects.


LINE_TOKEN = "{line}"  # stands for the line in a message template (see validation.render_sql)
VALUE_TOKEN = "{value}"  # stands for the computed value (share_sum) in a message template
INCOMPLETE = {
    "fr": "Ligne {line} : réponse incomplète (non envoyée), non chargée.",
    "nl": "Rij {line}: onvolledig antwoord (niet verzonden), niet geladen.",
    "en": "Line {line}: incomplete response (not submitted), not loaded.",
}

SUBMITTED_AT_LABELS = {"fr": "date d'envoi", "nl": "verzenddatum", "en": "submission time"}


def _label(codebook: Codebook, field: str, lang: str) -> str:
    question = codebook.by_code.get(field)
    if question is not None:
        return question.labels[lang]
    if field == "submitted_at":
        return SUBMITTED_AT_LABELS[lang]
    group = codebook.by_code[codebook.share_codes[0]].group
    return codebook.groups.get(group, {}).get(lang, field)


def render(codebook: Codebook, rule: str, line: int | str, field: str, value: str | None) -> dict[str, str]:
    """The three messages of one error, keyed by language code."""
    question = codebook.by_code.get(field)
    out = {}
    for lang in LANGUAGES:
        details: dict[str, object] = {
            "line": line,
            "field": field,
            "value": (value or "").replace(".", separators(lang)[0]),  # the computed total
            "label": _label(codebook, field, lang),
        }
        if question is not None and question.list_name:
            choices = codebook.lists[question.list_name]
            details["allowed"] = ", ".join(f"{c.code} ({c.labels[lang]})" for c in choices.choices)
            if EXCLUSIVE_OPTION in choices.codes:
                details["none"] = choices.label(EXCLUSIVE_OPTION, lang)
        if question is not None and question.min is not None:
            details.update(min=f"{question.min:g}", max=f"{question.max:g}")
        if question is not None and question.relevance_condition:
            ctrl, expected = question.relevance_condition
            details["condition"] = codebook.by_code[ctrl].labels[lang]
            details["expected"] = codebook.choices_of(ctrl).label(expected, lang)
        out[lang] = _WHERE[lang].format(**details) + TEMPLATES[rule][lang].format(**details)
    return out

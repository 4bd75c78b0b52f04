"""Theme pages (one page, parameterised by theme): a question, the answers computed from the
current warehouse (never a finding written by hand), then the survey charts and the public
figures beside them."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import dash
from dash import html

from core.i18n import valid_language
from dashboard.components import (
    THEME_SLUGS,
    browser_title,
    not_available,
    not_found,
    page_header,
    page_titles,
    synthetic_banner,
)
from dashboard.data import PublicData, current_data
from dashboard.evidence_cards import Check, answers_block, barometer_card, warning_lights_card
from dashboard.i18n import gettext_for
from dashboard.survey_cards import breakdown_card, family_card, waves_card
from dashboard.survey_data import has_indicators

dash.register_page(__name__, path_template="/<lang>/themes/<theme>", title=browser_title("theme"), order=5)

SUPPORT_FUNNEL = tuple(
    f"sup_stage_{k}_{name}"
    for k, name in enumerate(
        (
            "recruitment_interview",
            "initial_training",
            "introduction_day",
            "formalisation",
            "acclimatisation",
            "individual_followup",
            "collective_followup",
            "continuing_training",
            "convivial_moments",
        ),
        start=1,
    )
)
GROUP_PHASES = ("gl_phase_starting", "gl_phase_autonomous", "gl_phase_routine", "gl_phase_declining")
WARNING_LIGHTS = (
    "gl_light_repeat_over_change",
    "gl_light_what_over_why",
    "gl_light_closed_over_open",
    "gl_light_few_responsible",
)
#: KBS barometer indicators (Belgium-wide public figures) shown beside the survey estimates.
BAROMETER_FUNDING = (
    "pub_barometer_structural_subsidies_decreased",
    "pub_barometer_reduced_subsidies",
    "pub_barometer_financial_deterioration",
    "pub_barometer_cash_flow_problems",
    "pub_barometer_time_seeking_funding",
    "pub_barometer_subsidies_share_of_receipts",
    "pub_barometer_sector_outlook_deterioration",
)
BAROMETER_TASK_TRANSFER = ("pub_barometer_more_reliance_on_volunteers", "pub_barometer_staff_redundancies")

Cards = Callable[[PublicData, str, Callable[[str], str]], list]


class Theme(NamedTuple):
    """What a theme page says: its introduction (a question or a description, never a
    finding), the checks whose computed answers follow it, and its chart cards."""

    intro: Callable[[Callable[[str], str]], str]
    cards: Cards
    checks: tuple[Check, ...] = ()


#: The computed answers of each theme page: ``sides`` = which side of two thresholds the latest
#: value clearly lies on (or neither); ``change`` = rise, fall or no significant change.
LEVEL = {"sides": ("above 50", "below 25")}
SIGNAL = {"sides": ("above 25", "below 10")}
BALANCE_DOWN = {"sides": ("below 0", "above 0")}
BALANCE_UP = {"sides": ("above 0", "below 0")}
CHANGE = {"change": True}
CHECKS: dict[str, tuple[Check, ...]] = {
    "funding": (
        ("fund_project_over_structural", CHANGE),
        ("fund_project_over_structural", LEVEL),
        ("fund_operating_costs_not_covered", LEVEL),
        ("fund_public_trend_balance", BALANCE_DOWN),
        ("demand_trend_balance", BALANCE_UP),
        ("pub_barometer_structural_subsidies_decreased", SIGNAL),
        ("pub_barometer_reduced_subsidies", CHANGE),
    ),
    "task_transfer": (
        ("tt_task_transfer", SIGNAL),
        ("tt_task_transfer", CHANGE),
        ("staff_shortage", LEVEL),
        ("pub_barometer_more_reliance_on_volunteers", SIGNAL),
        ("pub_barometer_staff_redundancies", {"sides": ("above 10", "below 5")}),
    ),
    "support": (
        ("sup_support_cut", SIGNAL),
        ("sup_support_cut", CHANGE),
        ("sup_stage_2_initial_training", {"sides": ("below 75", "above 90")}),
    ),
}


def _funding(data: PublicData, lang: str, _: Callable[[str], str]) -> list:
    return [
        waves_card(
            data,
            lang,
            [
                "fund_operating_costs_not_covered",
                "fund_project_over_structural",
                "staff_shortage",
                "demand_requests_turned_away",
            ],
            _("Uncovered costs, project funding, staff shortage and unmet demand"),
        ),
        waves_card(
            data,
            lang,
            ["fund_public_trend_balance", "demand_trend_balance"],
            _("Public funding and demand for help (net balances)"),
        ),
        family_card(
            data,
            lang,
            ["fund_project_share", "staff_fixed_term_share", "staff_admin_time_share", "fund_private_share"],
            _("Project subsidies, precarious contracts and administration"),
            ranked=True,
        ),
        breakdown_card(
            data,
            lang,
            "fund_operating_costs_not_covered",
            "subsector",
            _("Operating costs poorly covered, by subsector"),
        ),
        barometer_card(
            data,
            lang,
            BAROMETER_FUNDING,
            _("Belgium-wide: the Barometer of associations (King Baudouin Foundation)"),
            "barometer-funding",
        ),
    ]


def _task_transfer(data: PublicData, lang: str, _: Callable[[str], str]) -> list:
    areas = [
        "tt_area_reception",
        "tt_area_administration",
        "tt_area_social_support",
        "tt_area_coordination",
        "tt_area_training",
        "tt_area_logistics",
        "tt_area_fundraising",
        "tt_area_legal_advice",
        "tt_area_care",
        "tt_area_other",
    ]
    return [
        waves_card(
            data,
            lang,
            ["tt_task_transfer", "tt_complex_tasks", "tt_activities_stop_majority"],
            _("Task transfer, complex tasks and dependence over the waves"),
        ),
        family_card(data, lang, areas, _("Where paid tasks move to volunteers"), ranked=True),
        breakdown_card(
            data, lang, "tt_task_transfer", "subsector", _("Task transfer to volunteers, by subsector")
        ),
        breakdown_card(
            data,
            lang,
            "tt_task_transfer",
            "volunteer_model",
            _("Task transfer to volunteers, by volunteer model"),
        ),
        barometer_card(
            data,
            lang,
            BAROMETER_TASK_TRANSFER,
            _("Belgium-wide: the Barometer of associations (King Baudouin Foundation)"),
            "barometer-task-transfer",
        ),
    ]


def _support(data: PublicData, lang: str, _: Callable[[str], str]) -> list:
    return [
        family_card(data, lang, SUPPORT_FUNNEL, _("The nine-stage support funnel"), card_id="support-funnel"),
        waves_card(
            data,
            lang,
            ["sup_support_cut", "sup_stage_2_initial_training"],
            _("Support cuts and initial training over the waves"),
        ),
        family_card(
            data,
            lang,
            ["sup_insured", "sup_information_note", "sup_risk_briefing"],
            _("Insurance, information and safety"),
            ranked=True,
        ),
        breakdown_card(
            data, lang, "sup_stages_mean", "size_class", _("Number of support stages, by size class")
        ),
    ]


def _framework(data: PublicData, lang: str, _: Callable[[str], str]) -> list:
    return [
        family_card(
            data,
            lang,
            ["fw_flexibility_rigid", "fw_flexibility_balanced", "fw_flexibility_flexible"],
            _("How associations see their volunteering framework"),
        ),
        family_card(
            data,
            lang,
            ["fw_participation_formal", "fw_participation_informal", "fw_participation_no"],
            _("Volunteers' say in decisions"),
        ),
        waves_card(
            data,
            lang,
            ["fw_written_document", "fw_sanctions_any"],
            _("Written framework and sanctions over the waves"),
        ),
        breakdown_card(
            data, lang, "fw_participation_no", "volunteer_model", _("No say in decisions, by volunteer model")
        ),
    ]


def _accessibility(data: PublicData, lang: str, _: Callable[[str], str]) -> list:
    return [
        waves_card(
            data,
            lang,
            ["acc_recruitment_balance", "acc_retention_balance"],
            _("Recruiting and keeping volunteers (net balances)"),
        ),
        family_card(
            data,
            lang,
            [
                "acc_withdrawal_space",
                "acc_vulnerable_volunteers",
                "acc_expenses_all",
                "acc_skills_most_roles",
            ],
            _("Barriers and openings"),
            ranked=True,
        ),
        waves_card(
            data,
            lang,
            ["acc_expenses_all", "acc_withdrawal_space"],
            _("Expenses and freedom to withdraw over the waves"),
        ),
        breakdown_card(
            data,
            lang,
            "acc_expenses_all",
            "subsector",
            _("Volunteer expenses fully reimbursed, by subsector"),
        ),
    ]


def _group_life(data: PublicData, lang: str, _: Callable[[str], str]) -> list:
    return [
        warning_lights_card(
            data, lang, WARNING_LIGHTS, _("Which warning lights are on, by life phase of the group")
        ),
        family_card(data, lang, GROUP_PHASES, _("Life phase of the volunteer group")),
        waves_card(data, lang, list(WARNING_LIGHTS), _("The four warning lights over the waves")),
        waves_card(data, lang, list(GROUP_PHASES), _("Life phases over the waves")),
        breakdown_card(
            data,
            lang,
            "gl_warning_lights_mean",
            "volunteer_model",
            _("Number of warning lights, by volunteer model"),
        ),
    ]


THEMES: dict[str, Theme] = {
    "funding": Theme(
        lambda _: _(
            "Is public funding of the sector moving from structural subsidies to project calls "
            "that leave operating costs uncovered, while demand for help rises? The answers below "
            "are computed from the latest published figures; the charts follow the associations' "
            "funding and their paid staff, wave after wave."
        ),
        _funding,
        CHECKS["funding"],
    ),
    "task_transfer": Theme(
        lambda _: _(
            "Do volunteers take over tasks of paid staff where paid staff is lacking? The answers "
            "below are computed from the latest published figures; the charts show how many "
            "associations report such transfers, in which areas, and how many activities would "
            "stop without volunteers."
        ),
        _task_transfer,
        CHECKS["task_transfer"],
    ),
    "support": Theme(
        lambda _: _(
            "Good volunteering needs support at every stage, from the recruitment interview to "
            "convivial moments. How many associations offer each of the nine stages, and are "
            "training and supervision cut for budget reasons? The answers below are computed from "
            "the latest published figures."
        ),
        _support,
        CHECKS["support"],
    ),
    "framework": Theme(
        lambda _: _(
            "How associations frame volunteering: a written framework, its flexibility, "
            "volunteers' participation in decisions and sanctions."
        ),
        _framework,
    ),
    "accessibility": Theme(
        lambda _: _(
            "Who can volunteer: expenses, skills required, room for people in vulnerable "
            "situations, freedom to step back, and how hard it is to recruit and keep "
            "volunteers."
        ),
        _accessibility,
    ),
    "group_life": Theme(
        lambda _: _(
            "Volunteer groups go through phases (starting, autonomous, routine, declining), and "
            "the model names four warning lights: repeating rather than changing, the 'what' over "
            "the 'why', closedness over openness, a few responsible instead of many. Which lights "
            "are on, and in which phase? The first chart answers from the latest published "
            "figures."
        ),
        _group_life,
    ),
}


def layout(lang: str | None = None, theme: str | None = None, **_query: str) -> html.Div:
    """The page of ``theme`` (its URL slug) in ``lang``."""
    key = next((t for t, slug in THEME_SLUGS.items() if slug == theme), None)
    lang = valid_language(lang)
    if lang is None or key is None:
        return not_found()
    data = current_data()
    return data.memo(("theme-page", lang, key), lambda: _page(data, lang, key))


def _page(data: PublicData, lang: str, key: str) -> html.Div:
    _ = gettext_for(lang)
    spec = THEMES[key]
    header = page_header(page_titles(_)[f"theme_{key}"], spec.intro(_))
    if not has_indicators(data):
        return html.Div([header, not_available(lang, _("Survey indicators"))])
    banner = [synthetic_banner(lang)] if data.survey_is_synthetic() else []
    answers = answers_block(data, lang, spec.checks)
    reading = html.P(
        _(
            "Each chart shows weighted survey estimates with their 95 % confidence "
            "interval (error bars). Hatched bars are of low reliability; suppressed "
            "cells show no value."
        ),
        className="small text-body-secondary",
    )
    return html.Div([header, *banner, *([answers] if answers else []), reading, *spec.cards(data, lang, _)])

"""The demo negotiation: a draft MoU between the CICA Secretariat and UNOCT.

Objectives, areas and forms of cooperation are taken from the CICA Secretariat's concept paper on relations
with UNOCT (note NCT/CT/274, 6 March 2024), in English and, where the paper gives it, in Russian. The final
clauses are the ones such an MoU has; the paper gives no Russian for them, so they are English only. The
one-line chapeaux of Articles 1 and 3 are the demo's own, in both languages, so that those articles read whole.
"""

from __future__ import annotations

import datetime as dt

INSTRUMENT_TITLE = (
    "Memorandum of Understanding between the Secretariat of the Conference on Interaction and Confidence "
    "Building Measures in Asia and the United Nations Office of Counter-Terrorism"
)
INSTRUMENT_TITLE_RU = (
    "Меморандум о взаимопонимании между Секретариатом Совещания по взаимодействию и мерам доверия в Азии "
    "и Контртеррористическим управлением Организации Объединенных Наций"
)
SHORT_TITLE = "CICA Secretariat – UNOCT MoU"
#: How the negotiation is named in addresses: /n/cica-unoct-mou/...
SLUG = "cica-unoct-mou"

#: When the initial draft was circulated with note NCT/CT/274.
INITIAL_DRAFT_AT = dt.datetime(2024, 3, 6, 9, 0, tzinfo=dt.UTC)
INITIAL_DRAFT_REASON = "Initial draft circulated by the CICA Secretariat with note NCT/CT/274 (Astana, 6 March 2024)."

PARTIES = [
    ("CICA", "Secretariat of the Conference on Interaction and Confidence Building Measures in Asia"),
    ("UNOCT", "United Nations Office of Counter-Terrorism"),
]
#: The parties' names as the Russian text of the MoU gives them.
PARTY_NAMES_RU = {
    "CICA": "Секретариат Совещания по взаимодействию и мерам доверия в Азии",
    "UNOCT": "Контртеррористическое управление Организации Объединённых Наций",
}

LANGUAGES = [("en", "English", True), ("ru", "Русский", False)]

MILESTONES = [
    ("SWG", "Special Working Group", "CICA Special Working Group", dt.date(2024, 3, 12)),
    ("SOC", "Senior Officials Committee", "CICA Senior Officials Committee", dt.date(2024, 3, 14)),
    ("SIGN", "Signature", "CICA Secretariat and UNOCT", None),
]

#: (login, display name, role, party code)
USERS = [
    ("cica.negotiator", "Aigerim Sadykova", "negotiator", "CICA"),
    ("unoct.negotiator", "Daniel Moreau", "negotiator", "UNOCT"),
    ("cica.legal", "Yerlan Abenov", "legal_reviewer", "CICA"),
    ("unoct.legal", "Priya Raman", "legal_reviewer", "UNOCT"),
    ("cica.chair", "Nurlan Bekov", "chair", "CICA"),
    ("unoct.chair", "Helena Lindqvist", "chair", "UNOCT"),
    ("cica.admin", "Saule Tokayeva", "administrator", "CICA"),
    ("unoct.admin", "Marco Bianchi", "administrator", "UNOCT"),
]


def clause(kind, en, ru=None, *, heading=None, heading_ru=None, children=()):
    return {"kind": kind, "en": en, "ru": ru, "heading": heading, "heading_ru": heading_ru, "children": list(children)}


DRAFT = [
    clause("title", INSTRUMENT_TITLE, INSTRUMENT_TITLE_RU),
    clause(
        "preamble",
        "The Secretariat of the Conference on Interaction and Confidence Building Measures in Asia (hereinafter "
        "\u201cthe CICA Secretariat\u201d) and the United Nations Office of Counter-Terrorism (hereinafter "
        "\u201cUNOCT\u201d), hereinafter referred to collectively as \u201cthe Participants\u201d,",
    ),
    clause(
        "preamble",
        "Recalling that in the 2002 Almaty Act, the founding document of CICA, the Heads of State of the Member "
        "States condemned terrorism in all its forms and manifestations, as well as any support or acquiescence to it,",
        "Напоминая, что в Алматинском Акте 2002 года - учредительном документе СВМДА - главы государств-членов "
        "осудили терроризм во всех его формах и проявлениях, а также его поддержку или молчаливое признание,",
    ),
    clause(
        "preamble",
        "Reaffirming the key significance of UNSC Resolution 1373 and other adopted UN resolutions on combating "
        "terrorism, which provide the basic framework for national, regional and international obligations and "
        "efforts to combat terrorism,",
        "Подтверждая ключевое значение резолюции СБ ООН №1373 и других принятых резолюций ООН по борьбе с "
        "терроризмом, которые создают базовые рамки для национальных, региональных и международных обязательств "
        "и усилий в борьбе с терроризмом,",
    ),
    clause(
        "preamble",
        "Noting that the CICA Plan of Action on the Implementation of the UNGCTS was adopted by the Sixth CICA "
        "Summit on 13 October 2022, and that the UNOCT provided assistance in the development of this document,",
        "Отмечая, что План действий СВМДА по имплементации ГКТС ООН был принят Шестым саммитом СВМДА 13 октября "
        "2022 года и что КТУ ООН оказывало помощь в разработке этого документа,",
    ),
    clause("preamble", "Have reached the following understanding:"),
    clause(
        "article",
        "The Participants will cooperate with the following objectives:",
        "Участники будут сотрудничать в следующих целях:",
        heading="Objectives of cooperation",
        heading_ru="Цели сотрудничества",
        children=[
            clause(
                "item",
                "Strengthening, within their respective mandates, cooperation and capacity in the field of "
                "preventing and combating terrorism based on the rule of law and human rights;",
                "Укреплять в рамках своих соответствующих мандатов сотрудничество и потенциал в области "
                "предупреждения терроризма и борьбы с ним в рамках, основанных на верховенстве права и правах человека;",
            ),
            clause(
                "item",
                "Promoting the comprehensive and balanced implementation of the UNGCTS and other relevant "
                "resolutions of the UN General Assembly and Security Council in the CICA region;",
                "Содействовать всеобъемлющему и сбалансированному осуществлению ГКТС ООН и других соответствующих "
                "резолюций Генеральной Ассамблеи и Совета Безопасности ООН в регионе СВМДА;",
            ),
            clause(
                "item",
                "Supporting and strengthening each other's capacity to assist the UN Member States that are "
                "members of CICA in the implementation of the UNGCTS;",
                "Взаимно поддерживать и укреплять потенциал друг друга по оказанию помощи государствам-членам ООН, "
                "являющимся членами СВМДА, в осуществлении ГКТС ООН;",
            ),
            clause(
                "item",
                "Complementing each other's efforts to ensure that due priority is given to the fight against "
                "terrorism within the United Nations system and the CICA region.",
                "Дополнять усилия друг друга по обеспечению должного приоритета борьбы с терроризмом в рамках "
                "системы Организации Объединенных Наций и региона СВМДА.",
            ),
        ],
    ),
    clause(
        "article",
        "Proceeding from the above objectives, the CICA Secretariat and the UNOCT will cooperate in the following areas:",
        "Исходя из вышеуказанных целей, Секретариат СВМДА и КТУ ООН будут сотрудничать по следующим направлениям:",
        heading="Areas of cooperation",
        heading_ru="Направления сотрудничества",
        children=[
            clause(
                "paragraph",
                "Addressing problems and threats in the field of preventing and combating terrorism, including "
                "preventing and combating violent extremism conducive to terrorism, suppressing terrorist financing, "
                "countering terrorist travel, terminating supplies of weapons and ammunition to terrorists, bringing "
                "terrorists to justice, responding to the preparation and implementation of terrorist acts, "
                "promoting and protecting human rights and the rule of law in the fight against terrorism, "
                "protecting the rights and needs of victims of terrorism;",
                "в решении проблем и угроз в области предупреждения терроризма и борьбы с ним, в том числе в "
                "предотвращении и борьбе с насильственным экстремизмом, способствующим терроризму, пресечении "
                "финансирования терроризма, противодействии поездкам террористов, прекращении поставок оружия и "
                "боеприпасов к нему террористам, привлечении террористов к ответственности, реагировании на "
                "подготовку и осуществление террористических актов, поощрении и защите прав человека и верховенства "
                "права в условиях борьбы с терроризмом, защите прав и потребностей жертв терроризма;",
            ),
            clause(
                "paragraph",
                "Considering possible links between terrorism and transnational organized crime, including "
                "cybercrime, trafficking in weapons, persons, drugs, cultural property and illegal trade in natural "
                "resources, as well as kidnapping for ransom and other crimes;",
                "в рассмотрении возможных связей между терроризмом и транснациональной организованной преступностью, "
                "включая киберпреступность, незаконный оборот оружия, людей, наркотиков, культурных ценностей и "
                "незаконную торговлю природными ресурсами, а также похищения людей с целью получения выкупа и другие "
                "преступления;",
            ),
            clause(
                "paragraph",
                "Implementing national and international standards to combat money laundering, terrorist financing "
                "and the proliferation of weapons of mass destruction, as well as strengthening cooperation in these "
                "areas with relevant regional and international bodies, including the FATF, where applicable and if "
                "the state is a party to them, identifying and solving problems arising from the use of "
                "cryptocurrencies for financing terrorism and transnational organized crime; organizing training "
                "programmes, workshops and seminars for relevant agencies;",
                "в реализации национальных и международных стандартов по борьбе с отмыванием денег, финансированием "
                "терроризма и распространением оружия массового уничтожения, а также в укреплении сотрудничества в "
                "этих областях с соответствующими региональными и международными органами, включая ФАТФ, когда это "
                "применимо и если государство является их стороной, в выявлении и решении проблем, возникающих в "
                "связи с использованием криптовалют для финансирования терроризма и транснациональной организованной "
                "преступности; организации учебных программ, практикумов и семинаров для соответствующих ведомств;",
            ),
            clause(
                "paragraph",
                "Exchanging information and best practices among law enforcement agencies through multilateral legal "
                "mechanisms in accordance with respective obligations under international law to support effective "
                "criminal investigation and prosecution of any person who supports, facilitates, participates or "
                "attempts to participate in the financing, planning, preparation, perpetration of terrorist acts or "
                "provides safe havens;",
                "в обмене информацией и передовым опытом между правоохранительными органами с помощью многосторонних "
                "правовых механизмов в соответствии с соответствующими обязательствами по международному праву в "
                "поддержку эффективного уголовного расследования и судебного преследования любого лица, которое "
                "поддерживает, содействует, участвует или пытается участвовать в финансировании, планировании, "
                "подготовке, совершении террористических актов или предоставляет убежище;",
            ),
            clause(
                "paragraph",
                "Building the capacity of the national criminal justice systems to properly investigate, prosecute "
                "and adjudicate terrorism-related crimes.",
                "в укреплении потенциала национальных систем уголовного правосудия для надлежащего расследования, "
                "судебного преследования и вынесения судебных решений по преступлениям террористической направленности.",
            ),
        ],
    ),
    clause(
        "article",
        "The Participants will implement this Memorandum through, inter alia:",
        "Участники будут осуществлять настоящий Меморандум, в частности, посредством:",
        heading="Forms of cooperation",
        heading_ru="Формы сотрудничества",
        children=[
            clause(
                "item",
                "Using the potential and experience of the UNOCT to enhance cooperation within the confidence "
                "building measure on combating terrorism and the implementation of the CICA Plan of Action on the "
                "Implementation of the UNGCTS;",
                "использование потенциала и опыта КТУ ООН для активизации взаимодействия в рамках меры доверия по "
                "борьбе с терроризмом и реализации Плана действий СВМДА по имплементации ГКТС ООН;",
            ),
            clause(
                "item",
                "Providing technical assistance and capacity building support to CICA Member States through the "
                "United Nations Counter-Terrorism Centre (UNCCT) and Special Projects and Innovation Branch (SPIB), "
                "organizing seminars and training sessions to share best practices in the field of preventing and "
                "combating terrorism and its consequences.",
                "получение технической помощи и поддержки государствам - членам СВМДА в области наращивания "
                "потенциала по линии Контртеррористического центра Организации Объединенных Наций (КТЦ ООН) и "
                "Сектора специальных проектов и инноваций (ССПИ), организация семинаров и тренингов с целью обмена "
                "передовым опытом в сфере предупреждения и борьбы с терроризмом и его последствиями.",
            ),
        ],
    ),
    clause(
        "article",
        "The Participants will consult each other as necessary, and at least once a year, on the implementation of this Memorandum.",
        heading="Consultations and focal points",
        children=[
            clause(
                "paragraph",
                "Consultations will review the activities carried out under this Memorandum and plan joint "
                "activities for the following period.",
            ),
            clause(
                "paragraph",
                "Each Participant will designate a focal point for the implementation of this Memorandum and will "
                "inform the other Participant of the designation in writing.",
            ),
        ],
    ),
    clause(
        "article",
        "This Memorandum does not create any financial obligations for the Participants. Each Participant will bear "
        "its own costs arising from the implementation of this Memorandum, unless otherwise agreed in writing for a "
        "specific activity, subject to the availability of funds and to the rules, regulations and policies of "
        "each Participant.",
        heading="Financial arrangements",
    ),
    clause(
        "article",
        "Nothing in or relating to this Memorandum will be deemed a waiver, express or implied, of any of the "
        "privileges and immunities of the United Nations, including its subsidiary organs, or of the CICA Secretariat.",
        heading="Privileges and immunities",
    ),
    clause(
        "article",
        "Any difference arising from the interpretation or implementation of this Memorandum will be settled "
        "amicably through consultations between the Participants.",
        heading="Settlement of differences",
    ),
    clause(
        "article",
        "This Memorandum may be amended at any time by mutual written consent of the Participants.",
        heading="Amendment",
    ),
    clause(
        "article",
        "This Memorandum will come into effect on the date of its signature by both Participants.",
        heading="Entry into force and termination",
        children=[
            clause(
                "paragraph",
                "This Memorandum will remain in effect for a period of five years and will be extended automatically "
                "for further periods of five years unless either Participant notifies the other in writing of its "
                "intention to terminate it.",
            ),
            clause(
                "paragraph",
                "Either Participant may terminate this Memorandum by written notice to the other Participant, six "
                "months in advance. Termination will not affect activities already under way unless the Participants "
                "decide otherwise.",
            ),
            clause(
                "paragraph",
                "Done at [place], on [date], in two originals in the English and Russian languages, both texts being "
                "equally authentic.",
            ),
        ],
    ),
]


# A second, smaller negotiation, loaded through the import path (plain text, as pasted), so that the list of
# negotiations and the separation between them show: CICA takes part in both, UNOCT in the first only.
SECOND_SLUG = "cica-rats-mou"
SECOND_SHORT_TITLE = "CICA Secretariat – SCO RATS MoU"
SECOND_TITLE = (
    "Memorandum of Understanding between the Secretariat of the Conference on Interaction and Confidence Building "
    "Measures in Asia and the Executive Committee of the Regional Anti-Terrorist Structure of the Shanghai "
    "Cooperation Organisation"
)
SECOND_PARTY = ("RATS", "Executive Committee of the Regional Anti-Terrorist Structure of the SCO")
SECOND_MEETINGS = [("SWG", "Special Working Group", "CICA Special Working Group", dt.date(2024, 10, 8))]
SECOND_DRAFT_EN = f"""{SECOND_TITLE}

The Secretariat of the Conference on Interaction and Confidence Building Measures in Asia and the Executive \
Committee of the Regional Anti-Terrorist Structure of the Shanghai Cooperation Organisation, hereinafter referred \
to as "the Participants",
Desiring to strengthen regional cooperation in countering terrorism, separatism and extremism,
Have reached the following understanding:
Article 1 — Purpose
The purpose of this Memorandum is to establish a framework for cooperation between the Participants.
Article 2 — Areas of cooperation
The Participants will cooperate in the following areas:
1. exchange of information on trends in terrorist threats in Asia;
2. joint seminars and training for experts of the CICA Member States;
3. countering the financing of terrorism.
Article 3 — Final provisions
This Memorandum will take effect on the date of its signature.
Done at Astana, on [date], in two originals in the English and Russian languages.
"""
SECOND_DRAFT_RU = """Меморандум о взаимопонимании между Секретариатом Совещания по взаимодействию и мерам доверия в \
Азии и Исполнительным комитетом Региональной антитеррористической структуры Шанхайской организации сотрудничества

Секретариат Совещания по взаимодействию и мерам доверия в Азии и Исполнительный комитет Региональной \
антитеррористической структуры Шанхайской организации сотрудничества, далее именуемые «Участники»,
Стремясь укреплять региональное сотрудничество в противодействии терроризму, сепаратизму и экстремизму,
Достигли следующей договорённости:
Статья 1 — Цель
Целью настоящего Меморандума является создание рамок для сотрудничества между Участниками.
Статья 2 — Направления сотрудничества
Участники будут сотрудничать по следующим направлениям:
1. обмен информацией о тенденциях террористических угроз в Азии;
2. совместные семинары и подготовка экспертов государств — членов СВМДА;
3. противодействие финансированию терроризма.
Статья 3 — Заключительные положения
Настоящий Меморандум вступает в силу с даты его подписания.
Совершено в Астане [дата] в двух подлинных экземплярах на английском и русском языках.
"""


# The negotiation mid-way (`services.demo.load_midway`): what the negotiators, the legal reviewers and the chair
# wrote between the circulation of the draft (6 March 2024), the SWG (12 March) and the SOC (14 March). Each clause
# is named by the first words of its English text in the initial draft.
#
# An amendment: (party code, clause, new English text, new Russian text or None, rationale).

#: Article 4's chapeau. CICA asks for twice-yearly consultations; UNOCT's senior-level formula is adopted first,
#: which leaves CICA's proposal outdated.
CONSULTATIONS = "The Participants will consult each other as necessary"
CONSULTATIONS_CICA = (
    "The Participants will consult each other as necessary, and at least twice a year, on the implementation of "
    "this Memorandum, alternately in Astana and in New York.",
    "Twice-yearly consultations follow the rhythm of the SOC sessions, at which the CICA Secretariat reports on the "
    "implementation of the Plan of Action.",
)
CONSULTATIONS_UNOCT = (
    "The Participants will consult each other as necessary, and at least once a year at the level of senior "
    "officials, on the implementation of this Memorandum. Consultations may be held by videoconference.",
    "Annual consultations at senior level are UNOCT's practice with regional organisations; videoconferencing keeps "
    "the consultations within existing resources.",
)

#: Settlement of differences: UNOCT's standard wording, answered by CICA's shorter counter-proposal, which is
#: adopted (UNOCT's is superseded).
SETTLEMENT = "Any difference arising from"
SETTLEMENT_UNOCT = (
    "Any difference arising from the interpretation or implementation of this Memorandum will be settled amicably "
    "through consultations between the Participants and will not be referred to any national or international "
    "court, tribunal or other third party for settlement.",
    "Standard United Nations wording: the privileges and immunities of the United Nations exclude the submission of "
    "differences to any national or international jurisdiction.",
)
SETTLEMENT_CICA = (
    "Any difference arising from the interpretation or implementation of this Memorandum will be settled amicably "
    "through consultations or negotiations between the Participants, without recourse to any third party.",
    "The CICA Secretariat accepts that no third party settles differences, but prefers not to name courts and "
    "tribunals in an instrument that creates no legal obligations.",
)
SETTLEMENT_COMMENT = (
    "UNOCT can accept this formulation: \u201cwithout recourse to any third party\u201d covers courts and tribunals. "
    "We will concur once our Office of Legal Affairs has cleared it."
)

#: Article 3(b): CICA asks UNOCT to finance the assistance; UNOCT rejects it.
ASSISTANCE = "Providing technical assistance"
ASSISTANCE_CICA = (
    "Providing technical assistance and capacity building support to CICA Member States, financed by the UNOCT, "
    "through the United Nations Counter-Terrorism Centre (UNCCT) and Special Projects and Innovation Branch (SPIB), "
    "organizing seminars and training sessions to share best practices in the field of preventing and combating "
    "terrorism and its consequences.",
    "Several Member States asked at the consultations in Astana that the source of funding for assistance be stated.",
)
ASSISTANCE_CICA_RU = (
    "получение технической помощи и поддержки государствам - членам СВМДА в области наращивания потенциала за счет "
    "средств КТУ ООН по линии Контртеррористического центра Организации Объединенных Наций (КТЦ ООН) и Сектора "
    "специальных проектов и инноваций (ССПИ), организация семинаров и тренингов с целью обмена передовым опытом в "
    "сфере предупреждения и борьбы с терроризмом и его последствиями."
)
ASSISTANCE_REJECTION = (
    "UNOCT's programmes are funded from voluntary contributions: it cannot commit funds in a Memorandum that creates "
    "no financial obligations (Article 5). Assistance is provided subject to the availability of extrabudgetary "
    "resources."
)

#: The Amendment article: CICA names the exchange of letters, then withdraws after UNOCT's comment.
AMENDMENT = "This Memorandum may be amended"
AMENDMENT_CICA = (
    "This Memorandum may be amended at any time by mutual written consent of the Participants, expressed in an "
    "exchange of letters. Amendments will form an integral part of this Memorandum.",
    "An exchange of letters is the form the CICA Secretariat uses for its arrangements with partner organisations.",
)
AMENDMENT_COMMENT = (
    "An exchange of letters is one form of written consent; naming it would exclude an amendment signed as a single "
    "document. UNOCT would prefer to keep the current text."
)

#: Article 2(d): UNOCT adds human rights and data protection; tabled, awaiting CICA's answer.
INFORMATION = "Exchanging information and best practices"
INFORMATION_UNOCT = (
    "Exchanging information and best practices among law enforcement agencies through multilateral legal mechanisms "
    "in accordance with respective obligations under international law, including international human rights law "
    "and the protection of personal data, to support effective criminal investigation and prosecution of any person "
    "who supports, facilitates, participates or attempts to participate in the financing, planning, preparation, "
    "perpetration of terrorist acts or provides safe havens;",
    "The United Nations Human Rights Due Diligence Policy requires that any exchange of information be subject to "
    "human rights law and to safeguards for personal data.",
)
INFORMATION_UNOCT_RU = (
    "в обмене информацией и передовым опытом между правоохранительными органами с помощью многосторонних правовых "
    "механизмов в соответствии с соответствующими обязательствами по международному праву, включая международное "
    "право в области прав человека и защиту персональных данных, в поддержку эффективного уголовного расследования "
    "и судебного преследования любого лица, которое поддерживает, содействует, участвует или пытается участвовать в "
    "финансировании, планировании, подготовке, совершении террористических актов или предоставляет убежище;"
)
INFORMATION_NOTE = (
    "Before we answer: ask the Member States' experts whether \u201cpersonal data\u201d raises difficulties under "
    "their national legislation."
)

#: The second preambular paragraph: CICA cites the resolution in United Nations style; UNOCT concurs; legal review
#: pending.
RESOLUTION = "Reaffirming the key significance"
RESOLUTION_CICA = (
    "Reaffirming the key significance of United Nations Security Council resolution 1373 (2001) and other relevant "
    "resolutions of the United Nations on combating terrorism, which provide the basic framework for national, "
    "regional and international obligations and efforts to combat terrorism,",
    "United Nations citation style: the full name of the Council and the year of the resolution.",
)
RESOLUTION_CICA_RU = (
    "Подтверждая ключевое значение резолюции 1373 (2001) Совета Безопасности Организации Объединенных Наций и других "
    "соответствующих резолюций ООН по борьбе с терроризмом, которые создают базовые рамки для национальных, "
    "региональных и международных обязательств и усилий в борьбе с терроризмом,"
)

#: Article 9(2): UNOCT shortens the notice period; CICA's legal reviewer asks for changes.
TERMINATION = "Either Participant may terminate"
TERMINATION_UNOCT = (
    "Either Participant may terminate this Memorandum by written notice to the other Participant, three months in "
    "advance. Termination will not affect activities already under way unless the Participants decide otherwise.",
    "Three months' notice is UNOCT's standard for non-binding arrangements with regional organisations.",
)
TERMINATION_REVIEW = (
    "Three months is acceptable, but the text should say that activities under way are completed under the terms of "
    "this Memorandum, and that the notice period runs from the date on which the other Participant receives the "
    "notice."
)

#: Article 4(2): CICA sets a time limit for the focal points; tabled, awaiting UNOCT's answer.
FOCAL_POINTS = "Each Participant will designate a focal point"
FOCAL_POINTS_CICA = (
    "Each Participant will designate a focal point for the implementation of this Memorandum and will inform the "
    "other Participant of the designation in writing within thirty days of the signature of this Memorandum.",
    "A time limit makes sure that the focal points are in place before the first consultations.",
)

#: Article 9(3): CICA's draft, not yet tabled, with an internal note.
SIGNATURE = "Done at [place]"
SIGNATURE_CICA = (
    "Done at Astana, on [date], in two originals in the English and Russian languages, both texts being equally "
    "authentic.",
    "The Memorandum is to be signed at the CICA Secretariat in Astana; the date stays open until the signing "
    "ceremony is fixed.",
)
SIGNATURE_NOTE = (
    "Protocol to confirm whether UNOCT's Under-Secretary-General will sign in Astana or in New York before we table "
    "this."
)

#: UNOCT's draft of a new article after Privileges and immunities, not yet tabled, with an internal note.
EMBLEM_AFTER = "Nothing in or relating"
EMBLEM_HEADING = "Use of name and emblem"
EMBLEM_UNOCT = (
    "Neither Participant will use the name, emblem or official seal of the other Participant, or any abbreviation "
    "thereof, in connection with its activities or otherwise, without the express prior written consent of the "
    "other Participant.",
    "Standard provision in UNOCT's arrangements: the use of the name and emblem of the United Nations is governed by "
    "General Assembly resolution 92 (I).",
)
EMBLEM_NOTE = "Our Office of Legal Affairs is clearing the emblem clause; table it after the SOC if they agree."

#: The SWG's conclusion.
SWG_CONCLUSION = (
    "The Special Working Group recommended the draft to the Senior Officials Committee. The clauses still in "
    "brackets were deferred; the delegation of the Republic of Kazakhstan entered a reservation on privileges and "
    "immunities."
)

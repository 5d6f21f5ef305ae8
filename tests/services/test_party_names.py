"""A party's name is said in the reader's language where the negotiation has it (issue #19, Russian)."""

from __future__ import annotations

from tests.conftest import DEMO_HOME
from tests.services.test_amendments import as_user


def test_the_draft_page_names_the_parties_in_russian_for_a_russian_reader(app, demo):
    cica = as_user(app, demo, "cica.negotiator")
    english = cica.get(DEMO_HOME).get_data(as_text=True)
    assert "United Nations Office of Counter-Terrorism" in english
    cica.post("/language", {"language": "ru", "next": "/"}, token_from="/")
    page = cica.get(DEMO_HOME).get_data(as_text=True)
    # The page's own line naming the parties (the clause texts below are the negotiation's, as written).
    parties_line = next(line for line in page.splitlines() if "Стороны:" in line)
    assert "Контртеррористическое управление Организации Объединённых Наций" in parties_line
    assert "Секретариат Совещания по взаимодействию и мерам доверия в Азии" in parties_line
    assert "United Nations Office of Counter-Terrorism" not in parties_line

"""`python -m bot journeys ...` through click's runner, on the test database."""

from __future__ import annotations

import tomllib

from sqlalchemy import select

from models import Journey
from tests.cli.test_cli_commands import invoke
from tests.journeys.helpers import count


def test_templates_enable_list_export_import_and_pause(runtime, tmp_path):
    settings = runtime.settings
    listed = invoke("journeys", "templates", settings=settings)
    assert listed.exit_code == 0 and "lead_to_first_purchase\tlead_captured\t從名單到首次購買\toff" in listed.output
    # the two that replace what used to be hard-coded jobs are on from the start
    assert "after_purchase\tpurchase\t購買之後\tjourney 1 active, entered 0" in listed.output
    assert "winback_gold\tno_purchase\t挽回高等級顧客\tjourney 2 active, entered 0" in listed.output
    enabled = invoke("journeys", "enable", "lead_to_first_purchase", "--holdout", "10", settings=settings)
    assert enabled.exit_code == 0, enabled.output
    assert "is active, holdout 10%" in enabled.output
    with runtime.sessions() as session:
        journey = session.scalar(select(Journey).where(Journey.template == "lead_to_first_purchase"))
    assert f"journey {journey.id} active" in invoke("journeys", "templates", settings=settings).output
    assert invoke("journeys", "list", settings=settings).output.splitlines()[-1] == \
        f"{journey.id}\tactive\t從名單到首次購買\tentered 0\tinside 0\tconverted 0"

    exported = invoke("journeys", "export", str(journey.id), settings=settings)
    data = tomllib.loads(exported.output)
    assert data["name"] == "從名單到首次購買" and data["holdout_percent"] == 10 and data["goal"] == "first_purchase"
    assert [s["id"] for s in data["steps"]][:2] == ["day1", "offer"]

    # edit the file: a new name imports as a new draft; a bad step is refused, naming it
    path = tmp_path / "journey.toml"
    path.write_text(exported.output.replace('name = "從名單到首次購買"', 'name = "Copy"'), encoding="utf-8")
    created = invoke("journeys", "import", str(path), settings=settings)
    assert created.exit_code == 0 and "created, draft" in created.output
    broken = exported.output.replace('name = "從名單到首次購買"', 'name = "Broken"').replace("days = 2", "days = 0")
    path.write_text(broken, encoding="utf-8")
    refused = invoke("journeys", "import", str(path), settings=settings)
    assert refused.exit_code == 1 and f"{path}: step 'day3' (wait): days: a whole number, at least 1" in refused.output
    assert count(runtime, Journey) == 4  # two on by default, the template, the copy: nothing of the broken file
    path.write_text("name = [", encoding="utf-8")
    assert "not valid TOML" in invoke("journeys", "import", str(path), settings=settings).output

    paused = invoke("journeys", "pause", str(journey.id), settings=settings)
    with runtime.sessions() as session:
        assert paused.exit_code == 0 and session.get(Journey, journey.id).status == "paused"
    assert invoke("journeys", "pause", "999", settings=settings).exit_code == 1
    assert invoke("journeys", "enable", "nope", settings=settings).exit_code == 1

"""Rasa's own checks of the protocol: ``rasa data validate`` and the test stories.

Both run the Rasa CLI in a subprocess (Rasa's logs at INFO: no message text). The full
model is trained only when none in the cache matches (``stories.model``; about two
minutes on two cores), then ``rasa test core --fail-on-prediction-errors`` replays
every story in stories/tests/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.rasa

ROOT = Path(__file__).resolve().parents[2]
RASA = Path(sys.executable).with_name("rasa")
# Rasa's validator only sees responses named in stories and rules. These are uttered by
# the forms (utter_ask_*) or by the custom actions, so the warning is expected for them
# and for no other response.
USED_BY_FORMS_AND_ACTIONS = {
    "utter_ask_direct_questions_form_thoughts", "utter_ask_direct_questions_form_has_method",
    "utter_ask_direct_questions_form_has_time", "utter_ask_direct_questions_form_has_place",
    "utter_ask_safety_plan_form_trusted_contact", "utter_ask_safety_plan_form_activity_choice",
    "utter_thanks_honesty", "utter_activity_added", "utter_trusted_contact_yes",
    "utter_trusted_contact_no", "utter_reduce_means", "utter_helplines",
    "utter_helplines_unavailable", "utter_group_helplines", "utter_counsellor_coming",
    "utter_no_counsellor_now", "utter_stay_with_you", "utter_checkin_after_no",
    "utter_checkin_counsellor_told", "utter_stop_private",
    "utter_ask_safety_plan_form_contact_names", "utter_ask_safety_plan_form_reasons",
    "utter_ask_safety_plan_form_keep_plan",
    # action_group_reply (bot/actions/group.py) chooses what is said in a group.
    "utter_group_distress", "utter_group_reach_out", "utter_group_imminent",
    "utter_group_how_we_talk", "utter_peer_harm_private_note", "utter_safe_wording_note",
    # The teen's own list (bot/actions/forms.py, bot/actions/plan.py).
    "utter_plan_activities", "utter_plan_reasons", "utter_plan_contacts", "utter_plan_kept",
    "utter_plan_not_kept", "utter_plan_save_failed", "utter_my_plan_footer",
    "utter_no_plan_yet", "utter_no_plan_make_one", "utter_plan_unavailable",
    "utter_plan_forgotten",
    # issue 12: no counsellor, the service down, the direct questions, the list
    "utter_no_counsellor_yet", "utter_lines_now", "utter_group_lines_now",
    "utter_back_to_question", "utter_ask_activity_more",
}
# Intents the NLU never predicts: the retry reminder triggers it (bot/actions/handoff.py).
EXTERNAL_INTENTS = {"EXTERNAL_retry_escalation"}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO",
            "ACTIONS_CONFIGURE_LOGGING": "0", "TF_CPP_MIN_LOG_LEVEL": "2"}


@pytest.fixture(scope="module")
def merged_config(tmp_path_factory) -> Path:
    from stories.model import write_config

    return write_config(tmp_path_factory.mktemp("config") / "config.yml")


def test_rasa_data_validate_is_clean(merged_config):
    result = subprocess.run(
        [str(RASA), "data", "validate", "--domain", "stories/domain",
         "--data", "nlu/data", "stories/rules", "stories/stories", "stories/forms",
         "--config", str(merged_config)],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    warnings = re.findall(r"UserWarning: (.*)", output)
    unused = {m for w in warnings for m in re.findall(r"The utterance '(\w+)' is not used", w)}
    others = [w for w in warnings if "is not used in any story or rule" not in w
              and not any(f"The intent '{i}' is listed in the domain file, but is not found "
                          "in the NLU training data." in w for i in EXTERNAL_INTENTS)]
    assert others == []
    assert unused == USED_BY_FORMS_AND_ACTIONS


def test_every_test_story_passes(tmp_path):
    from stories.model import ensure_model

    model = ensure_model(num_threads=2)
    result = subprocess.run(
        [str(RASA), "test", "core", "--model", str(model), "--stories", "stories/tests",
         "--fail-on-prediction-errors", "--out", str(tmp_path / "results")],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=600,
    )
    output = result.stdout + result.stderr
    failed = (tmp_path / "results" / "failed_test_stories.yml").read_text("utf-8")
    assert result.returncode == 0, failed[:4000] or output[-3000:]
    assert "None of the test stories failed" in failed

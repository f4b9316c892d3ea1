"""Transcripts of the test stories, as a teen would see them, for stories/README.md.

Reads ``stories/tests/*.yml`` (the comment before each user turn says what the teen
wrote, in kinds of messages, never real teens' words) and the domain's responses, and
prints Markdown: who says what, where (group or private). A response shows its first
variation (for country BE where it varies by country); a custom action shows what it
says on that path, read from the slots the story sets after it. Plain Python + PyYAML::

    python -m stories.transcripts              # Markdown on stdout
    python -m stories.transcripts --write      # replace the block in stories/README.md
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parents[1]
STORIES = ROOT / "stories"
README = STORIES / "README.md"
BEGIN, END = "<!-- transcripts:begin -->", "<!-- transcripts:end -->"
COUNTRY = "BE"
# The helplines as shown on a Tuesday evening, so that the transcripts do not change
# with the clock (an evening when Awel is open and the 1813 chat too).
AT = datetime(2026, 11, 24, 19, 0, tzinfo=ZoneInfo("Europe/Brussels"))
ACTIVITY_PAYLOAD = "activity:"
TOLD = "_(een hulpverlener wordt verwittigd; de tiener ziet hier niets van)_"
HELD = ("_(een melding staat klaar: een hulpverlener wordt verwittigd als de tiener stil "
        "blijft of de vragen beantwoordt)_")
# The same sections as bot/actions/plan.py (which needs rasa_sdk; this runs without it).
PLAN_SECTIONS = (
    ("activities", "utter_plan_activities", "activity_list"),
    ("reasons", "utter_plan_reasons", "reasons_list"),
    ("contacts", "utter_plan_contacts", "contact_list"),
)
# What /mijnlijst shows in the transcripts: an example of a kept list.
SAMPLE_PLAN = {"activities": ["Lang en warm douchen", "tekenen"], "reasons": ["mijn hond"],
               "contacts": ["mijn tante"]}


def load_responses() -> dict[str, list[dict]]:
    responses: dict[str, list[dict]] = {}
    for path in sorted((STORIES / "domain").glob("*.yml")):
        responses.update((yaml.safe_load(path.read_text("utf-8")) or {}).get("responses") or {})
    return responses


def pick(variations: list[dict]) -> dict:
    for variation in variations:
        conditions = variation.get("condition") or []
        if any(c.get("name") == "country" and c.get("value") == COUNTRY for c in conditions):
            return variation
    return next(v for v in variations if not v.get("condition"))


def helplines(risk: str) -> str:
    from helplines import offers_to_show, render_offers

    return render_offers(offers_to_show(COUNTRY, risk, AT), AT)


class Renderer:
    def __init__(self, responses: dict[str, list[dict]]) -> None:
        self.responses = responses

    def say(self, name: str, **values: str) -> list[str]:
        variation = pick(self.responses[name])
        where = "groep" if name.startswith("utter_group_") else "privé"
        text = variation["text"]
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        lines = [f"**bot ({where}):** " + text.replace("\n", "  \n")]
        buttons = [b["title"] for b in variation.get("buttons") or []]
        if buttons:
            lines.append("  " + " ".join(f"[{b}]" for b in buttons))
        return lines


def _steps(path: Path) -> Iterator[tuple[str, list[tuple[str, object]]]]:
    """(story name, steps) with each user turn's comment kept as ("said", text)."""
    text = path.read_text("utf-8")
    data = yaml.safe_load(text)
    comments = re.findall(r"^  # (group|private): (.*)$", text, flags=re.MULTILINE)
    said = iter(comments)
    for story in data["stories"]:
        steps: list[tuple[str, object]] = []
        for step in story["steps"]:
            if "intent" in step:
                where, what = next(said)
                steps.append(("user", (where, what, step["intent"])))
            elif "action" in step:
                steps.append(("action", step["action"]))
            elif "slot_was_set" in step:
                for item in step["slot_was_set"]:
                    steps.append(("slot", next(iter(item.items()))))
            elif "active_loop" in step:
                steps.append(("loop", step["active_loop"]))
        yield story["story"], steps


def render_story(name: str, steps: list[tuple[str, object]], r: Renderer) -> list[str]:
    out = [f"#### {name}", ""]
    slots: dict[str, object] = {}
    labels = {
        b["payload"][len(ACTIVITY_PAYLOAD):]: b["title"]
        for b in pick(r.responses["utter_ask_safety_plan_form_activity_choice"])["buttons"]
    }

    def later_slot(index: int, key: str) -> object:
        for kind, value in steps[index + 1:]:
            if kind == "user":
                return None
            if kind == "slot" and value[0] == key:  # type: ignore[index]
                return value[1]  # type: ignore[index]
        return None

    for i, (kind, value) in enumerate(steps):
        if kind == "loop":
            slots["_loop"] = value
        if kind == "slot":
            slots[value[0]] = value[1]  # type: ignore[index]
        elif kind == "user":
            where, what, intent = value  # type: ignore[misc]
            place = "groep" if where == "group" else "privé"
            out.append(f"**tiener ({place}):** {what}  _(intent {intent})_")
        elif kind == "action":
            out += render_action(str(value), i, slots, later_slot, r, labels, steps)
        out = [line for line in out if line is not None]
    return [*out, ""]


def render_action(action, i, slots, later_slot, r: Renderer, labels, steps) -> list[str]:
    risk = str(slots.get("conversation_risk") or "indirect")  # as the actions read it
    if action == "action_listen":
        return ["_(de bot zegt niets)_"]
    if action == "action_counsellor_took_over":
        return ["_(een hulpverlener heeft het gesprek overgenomen: de vragen stoppen)_"]
    if action == "utter_imminent_now":
        slots["_numbers_given"] = True
    if action.startswith("utter_"):
        values = {"helplines": helplines(risk if action != "utter_group_helplines" else "indirect")}
        return r.say(action, **values)
    if action == "action_escalate":
        return [HELD if risk == "indirect" else TOLD]
    if action == "action_back_to_question":
        asked = str(slots.get("requested_slot"))
        # a written answer to a method, a time or a place: the form takes it, no kind word
        return [] if later_slot(i, asked) is not None else r.say("utter_back_to_question")
    if action == "action_retry_escalations":
        return ["_(de bot stuurt de melding die niet lukte opnieuw naar het team; hij zegt niets)_"]
    if action == "action_group_reply":
        lines = []
        if later_slot(i, "method_detail") or slots.get("method_detail"):
            lines.append("_(de gateway verbergt het bericht in de groep)_")
        for said in later_slot(i, "group_said") or []:  # type: ignore[union-attr]
            lines += r.say(str(said), helplines=helplines("indirect"))
        if later_slot(i, "escalation_id") is not None:
            lines.append(HELD if slots.get("message_risk") == "indirect" else TOLD)
        return lines or ["_(de bot zegt niets in de groep)_"]
    if action == "action_show_plan":
        state = later_slot(i, "plan_state")
        if state == "shown":
            return [*plan_messages(r, SAMPLE_PLAN), *r.say("utter_my_plan_footer")]
        if state == "unavailable":
            return r.say("utter_plan_unavailable")
        offer = (slots.get("chat_type") == "private" and slots.get("speaker") != "counsellor"
                 and not slots.get("_loop"))
        return r.say("utter_no_plan_make_one" if offer else "utter_no_plan_yet")
    if action == "action_forget_plan":
        return r.say("utter_plan_forgotten")
    if action == "action_helplines":
        if slots.get("chat_type") == "group":
            return r.say("utter_group_helplines", helplines=helplines("indirect"))
        return r.say("utter_helplines", helplines=helplines(risk))
    if action == "action_stop_private":
        return r.say("utter_stop_private")
    if action == "action_save_plan":
        plan = {
            "activities": [labels.get(a, a) for a in slots.get("activities") or []],  # type: ignore[union-attr]
            "reasons": list(slots.get("reasons_to_live") or []),  # type: ignore[call-overload]
            "contacts": list(slots.get("contacts") or []),  # type: ignore[call-overload]
        }
        kept = "utter_plan_kept" if slots.get("keep_plan") == "yes" else "utter_plan_not_kept"
        return [*plan_messages(r, plan), *r.say(kept)]
    if action == "action_handoff":
        step = later_slot(i, "flow_step")
        if step == "stay":
            numbers = [] if slots.get("_numbers_given") else r.say("utter_imminent_now")
            return [*numbers, *r.say("utter_counsellor_coming"), *r.say("utter_stay_with_you")]
        if step == "checkin":
            return [*r.say("utter_checkin_after_no"), *r.say("utter_checkin_counsellor_told")]
        return r.say("utter_counsellor_coming")
    after_retry = i > 0 and steps[i - 1] == ("action", "action_retry_escalations")
    if action.endswith("_form") and after_retry:
        return []  # the form waits again, without asking its question again
    if action.endswith("_form"):
        lines: list[str] = []
        answered = [k for k in ("thoughts",) if later_slot(i, k) is not None]
        if answered:
            lines += r.say("utter_thanks_honesty")
        if later_slot(i, "trusted_contact") is not None:
            lines += r.say("utter_trusted_contact_yes" if later_slot(i, "trusted_contact") == "yes"
                           else "utter_trusted_contact_no")
            if risk in ("indirect", "direct", "imminent"):
                lines += r.say("utter_reduce_means")
        if later_slot(i, "escalation_id") is not None:  # a heavy message instead of an answer
            lines += r.say("utter_imminent_now" if slots.get("message_risk") == "imminent"
                           else "utter_heard_you")
        if later_slot(i, "activities") is not None and later_slot(i, "activity_choice") is None:
            lines += r.say("utter_activity_added")
        asked = later_slot(i, "requested_slot")
        resumed = i + 1 < len(steps) and steps[i + 1] == ("loop", action)
        if not asked and resumed:  # back after an interruption: the same question again
            asked = slots.get("requested_slot")
        if asked and slots.get("chat_type") != "group":  # never asked again after a group message
            lines += r.say(f"utter_ask_{action}_{asked}")
        return lines
    return [f"_({action})_"]


def plan_messages(r: Renderer, plan: dict[str, list[str]]) -> list[str]:
    lines: list[str] = []
    for key, response, placeholder in PLAN_SECTIONS:
        if plan.get(key):
            lines += r.say(response, **{placeholder: "\n".join(f"• {x}" for x in plan[key])})
    return lines


def transcripts() -> str:
    r = Renderer(load_responses())
    out = [
        f"_Generated by `python -m stories.transcripts` from `stories/tests/`; "
        f"country {COUNTRY}, a counsellor on duty, helplines as on {AT:%A %d %B %Y %H:%M}. "
        "A response shows its first variation._",
        "",
    ]
    for path in sorted((STORIES / "tests").glob("*.yml")):
        for name, steps in _steps(path):
            out += render_story(name, steps, r)
    return "\n".join(out).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stories.transcripts")
    parser.add_argument("--write", action="store_true", help="update stories/README.md")
    args = parser.parse_args(argv)
    text = transcripts()
    if not args.write:
        sys.stdout.write(text)
        return 0
    readme = README.read_text("utf-8")
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    README.write_text(readme[:start] + "\n" + text + readme[end:], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

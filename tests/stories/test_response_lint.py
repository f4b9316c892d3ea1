"""Every text a teen reads (stories/domain responses) against the safe-messaging rules.

The rules come from the protocol (shared/seeds/000_*): no method, place or note
details; no "gepleegd", "geslaagde/mislukte poging"; no stigmatising words; no
simplistic comfort; no weights, calories, BMI or sizes; never "poeh" or "godzijdank".
Texts are normalised first (case, accents, apostrophes, repeated letters, "'t" for
"het") so that variants such as "'t komt wel goed" are caught too. Plain PyYAML, so
this runs on both Pythons.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.shared

DOMAIN = Path(__file__).resolve().parents[2] / "stories" / "domain"

# Regular expressions on the normalised text (see normalise()).
FORBIDDEN: dict[str, list[str]] = {
    "stigmatising wording about suicide": [
        r"\bgepleegd", r"\bplegen\b", r"\bpleegt?\b",
        r"\b(geslaagd|gelukt|mislukt|succesvol|niet geslaagd)e? (poging|zelfmoord)",
        r"\bpoging\b",
    ],
    "stigmatising words": [
        r"\bgek(ke)?\b", r"\bkrankzinnig", r"\bachterlijk", r"\bpsychisch", r"\bdwaas",
        r"\bzot(te)?\b", r"\bmongool", r"\bdebiel", r"\bidioot",
    ],
    "simplistic comfort": [
        r"\bkop op\b", r"\bkomt (\w+ ){0,3}goed\b", r"\balles (\w+ )?goed\b",
        r"\b(maak|maakt) je (maar )?geen zorgen", r"\bgeen zorgen\b", r"\bleef (nu )?gewoon\b",
        r"\bvalt (\w+ )?mee\b", r"\bdenk (gewoon )?positief", r"\bniet zo erg\b",
    ],
    "judging reactions": [r"\bpo+e+h\b", r"\bpf+o+e+\b", r"\bgod ?zij ?dank", r"\bgoddank"],
    "method, means, place or note details": [
        r"\bpil(len)?\b", r"\bmedicijn", r"\boverdosis", r"\bstrop\b", r"\bophang",
        r"\bsnij(d|den)?\b", r"\bscheermes", r"\bmes(jes)?\b", r"\bspring(en)?\b",
        r"\bbrug\b", r"\bspoor\b", r"\btrein", r"\bdak\b", r"\bflat\b", r"\bwapen",
        r"\bgif\b", r"\bafscheidsbrief", r"\bbriefje", r"\bdosis", r"\bslikken\b",
    ],
    # Never promise secrecy: a counsellor may need to act on what the teen says.
    "a promise of secrecy": [
        r"\bonder ons\b", r"\btussen (ons|jou en mij)\b", r"\bgeheim", r"\bbeloof",
        r"\bniemand (anders )?(zal|gaat|hoeft) (het|dit) (te )?(weten|lezen|zien)",
    ],
    # Calques and phrasings that are not Dutch.
    "not Dutch": [r"\bik lees je\b", r"\bmensen die je kan sturen\b"],
    "weights, calories, BMI or sizes": [
        r"\bbmi\b", r"\bcalorie", r"\bkcal\b", r"\bkilo", r"\bkg\b", r"\bgram\b",
        r"\bgewicht", r"\bwegen\b", r"\bkledingmaat", r"\bmaat \d", r"\bmaatje",
        r"\d+ ?(kg|kilo|gram|cm)\b",
    ],
}
MAX_PRIVATE_CHARS = 300  # a phone screen without scrolling
MAX_GROUP_CHARS = 160  # shorter still: the teen's peers read along
MAX_BUTTON_CHARS = 30
# Placeholders a response may use (filled by actions); none repeats the teen's words
# except the teen's own list (activities, reasons, contacts), which is private only.
PLACEHOLDERS = {"helplines", "activity_list", "reasons_list", "contact_list", "next_shift"}
GROUP_PLACEHOLDERS = {"helplines"}
# Responses whose texts must offer a human (/hulp, a helpline or a counsellor).
MUST_OFFER_HUMAN = {
    "utter_private_greet", "utter_stop_private", "utter_plan_kept", "utter_plan_not_kept",
    "utter_plan_save_failed", "utter_my_plan_footer", "utter_plan_unavailable",
    "utter_plan_forgotten", "utter_imminent_now",
    "utter_group_imminent", "utter_no_counsellor_now", "utter_peer_harm_private_note",
    "utter_helplines_unavailable", "utter_private_opening",
    "utter_no_counsellor_yet", "utter_lines_now", "utter_group_lines_now", "utter_still_here",
    "utter_private_distress", "utter_heard_you", "utter_heard_you_again",
}
HUMAN = re.compile(r"/hulp|hulpverlener|\b112\b|\b1813\b|\b113\b|\{helplines\}")


def normalise(text: str) -> str:
    """Lower case, no accents, plain apostrophes, 't = het, one letter per run, one space."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[\u2018\u2019\u00b4`]", "'", text)
    text = re.sub(r"(?<![a-z])'t\b", "het", text)
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)  # "kooop" -> "kop", keep "oo" in "hoop"
    text = re.sub(r"[^a-z0-9/{}'+ ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def problems(text: str) -> list[str]:
    """The rules this text breaks (empty when it is fine)."""
    norm = normalise(text)
    found = []
    for rule, patterns in FORBIDDEN.items():
        for pattern in patterns:
            if re.search(pattern, norm):
                found.append(f"{rule}: /{pattern}/")
    return found


def _load_responses() -> dict[str, list[dict]]:
    responses: dict[str, list[dict]] = {}
    for path in sorted(DOMAIN.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (data.get("responses") or {}).items():
            assert name not in responses, f"{name} defined twice"
            responses[name] = variations
    return responses


RESPONSES = _load_responses()
VARIATIONS = [
    pytest.param(name, i, variation, id=f"{name}[{i}]")
    for name, variations in RESPONSES.items()
    for i, variation in enumerate(variations)
]


def _texts(variation: dict) -> list[str]:
    texts = [variation.get("text") or ""]
    texts += [b.get("title", "") for b in variation.get("buttons") or []]
    return texts


def _is_group(name: str) -> bool:
    return name.startswith("utter_group_")


def test_there_are_responses():
    assert len(RESPONSES) >= 30


@pytest.mark.parametrize(("name", "index", "variation"), VARIATIONS)
def test_follows_the_protocol(name, index, variation):
    for text in _texts(variation):
        assert problems(text) == [], f"{name}[{index}]: {text!r}"


@pytest.mark.parametrize(("name", "index", "variation"), VARIATIONS)
def test_fits_a_phone(name, index, variation):
    text = re.sub(r"\{[a-z_]+\}", "", variation.get("text") or "")
    limit = MAX_GROUP_CHARS if _is_group(name) else MAX_PRIVATE_CHARS
    assert 0 < len(text) <= limit, f"{name}[{index}]: {len(text)} characters"
    for button in variation.get("buttons") or []:
        assert len(button["title"]) <= MAX_BUTTON_CHARS


@pytest.mark.parametrize(("name", "index", "variation"), VARIATIONS)
def test_never_repeats_the_teen_in_the_group(name, index, variation):
    placeholders = set(re.findall(r"\{([^}]*)\}", variation.get("text") or ""))
    allowed = GROUP_PLACEHOLDERS if _is_group(name) else PLACEHOLDERS
    assert placeholders <= allowed, f"{name}[{index}] fills in {placeholders - allowed}"


@pytest.mark.parametrize(("name", "index", "variation"), VARIATIONS)
def test_route_matches_the_name(name, index, variation):
    route = (variation.get("metadata") or {}).get("route", "private")
    assert route == ("group" if _is_group(name) else "private"), name


@pytest.mark.parametrize("name", sorted(MUST_OFFER_HUMAN))
def test_offers_a_human(name):
    for variation in RESPONSES[name]:
        assert HUMAN.search(variation["text"]), f"{name}: {variation['text']!r}"


def test_group_invitations_open_the_private_chat():
    for name in ("utter_group_distress", "utter_group_reach_out", "utter_group_imminent"):
        for variation in RESPONSES[name]:
            assert [b["payload"] for b in variation["buttons"]] == ["deeplink:private"]


def test_imminent_texts_give_the_emergency_number_and_the_crisis_line_per_country():
    # ... and so do the texts for when nobody can be told or nobody is there
    for name in ("utter_group_imminent", "utter_imminent_now", "utter_lines_now",
                 "utter_group_lines_now", "utter_still_here"):
        by_country = {
            (v.get("condition") or [{}])[0].get("value"): normalise(v["text"])
            for v in RESPONSES[name]
        }
        assert "112" in by_country["BE"] and "1813" in by_country["BE"]
        assert "112" in by_country["NL"] and "113" in by_country["NL"]
        assert all(n in by_country[None] for n in ("112", "1813", "113"))


def test_numbers_in_texts_are_real_helplines():
    """A phone number in a response must be one in the helpline directory."""
    directory = yaml.safe_load(
        (DOMAIN.parents[1] / "helplines" / "data" / "helplines.yaml").read_text("utf-8")
    )
    known = {
        re.sub(r"\D", "", str(channel["phone"]))
        for line in directory["helplines"]
        for channel in line["channels"]
        if "phone" in channel
    }
    for name, variations in RESPONSES.items():
        for variation in variations:
            for number in re.findall(r"\b\d[\d-]{2,}\b", variation.get("text") or ""):
                assert re.sub(r"\D", "", number) in known, f"{name}: {number}"


def test_most_responses_vary():
    single = sorted(name for name, variations in RESPONSES.items() if len(variations) < 2)
    assert single == ["utter_group_helplines"], single


def test_no_human_there_says_when_and_gives_112():
    """Outside the shift: when the next one starts and 112; never a person invented."""
    for variation in RESPONSES["utter_no_counsellor_now"]:
        assert "{next_shift}" in variation["text"] and "112" in variation["text"]
        assert "{helplines}" in variation["text"]  # the lines open now (the 24/7 one first)
    for name in ("utter_no_counsellor_yet", "utter_lines_now", "utter_group_lines_now"):
        for variation in RESPONSES[name]:
            assert "112" in variation["text"], name
            text = normalise(variation["text"])
            assert not re.search(r"\b(komt|is onderweg|zo bij je)\b", text), (name, text)
    # heard again after the questions: passed on, never "at once" (nobody may be on duty)
    for name in ("utter_heard_you_again", "utter_heard_you"):
        for variation in RESPONSES[name]:
            assert "meteen" not in normalise(variation["text"]), name


def test_the_direct_question_is_asked_directly():
    texts = [normalise(v["text"]) for v in RESPONSES["utter_ask_direct_questions_form_thoughts"]]
    assert "heb je eraan gedacht jezelf te doden" in texts[0]
    assert all("jezelf te doden" in t for t in texts)


@pytest.mark.parametrize(
    "text",
    [
        "Kop op, het komt wel goed!", "'t Komt goed", "Het komt allemaal wel goed",
        "Maak je geen zorgen", "Poeh, dat is heftig", "Godzijdank", "God zij dank",
        "zelfmoord gepleegd", "een mislukte poging", "geslaagde zelfmoord",
        "doe niet zo gek", "dat is krankzinnig", "achterlijk", "psychisch gestoord",
        "wat dwaas", "Leg de pillen weg", "ze woog 45 kg", "je BMI", "calorieën tellen",
        "KOOOP OP", "het kómt wel góed",
    ],
)
def test_the_checker_catches_what_the_protocol_forbids(text):
    assert problems(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Bedankt voor je eerlijkheid.", "Ik hoop dat je iemand vindt", "Goed dat je het zegt",
        "overleden door zelfmoord", "Ik blijf bij je.", "Hoe gaat het nu echt met je?",
    ],
)
def test_the_checker_lets_kind_texts_through(text):
    assert problems(text) == [], text

"""Pure parts: parse modes and UTF-16 entities, the rate buckets, the world file."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.simulator.errors import ApiError
from bot.simulator.formatting import parse_text, render_html
from bot.simulator.ratelimit import SendLimiter
from bot.simulator.settings import DEFAULT_WORLD_FILE
from bot.simulator.world import WorldSpec, load_world


def test_entity_offsets_count_utf16_units_like_telegram():
    text, entities = parse_text("😢 <b>echt</b>", "HTML")
    assert text == "😢 echt"
    assert entities == [{"type": "bold", "offset": 3, "length": 4}]


def test_html_links_and_pre_with_language():
    text, entities = parse_text('<a href="https://awel.be">Awel</a> <pre><code '
                                'class="language-python">x = 1</code></pre>', "HTML")
    assert text == "Awel x = 1"
    assert entities[0] == {"type": "text_link", "offset": 0, "length": 4,
                           "url": "https://awel.be"}
    assert entities[1] == {"type": "pre", "offset": 5, "length": 5, "language": "python"}


def test_unclosed_tags_and_entities_are_refused():
    with pytest.raises(ApiError, match="Can't find end tag corresponding to start tag"):
        parse_text("<b>vet", "HTML")
    with pytest.raises(ApiError, match="Can't find end of Bold entity"):
        parse_text("*vet", "MarkdownV2")
    with pytest.raises(ApiError, match="Can't find end of the entity"):
        parse_text("*vet", "Markdown")


def test_markdown_v2_escapes_links_and_code():
    text, entities = parse_text(r"Bel \(gratis\): [1813](tel:1813) `a\`b` ||stil||", "MarkdownV2")
    assert text == "Bel (gratis): 1813 a`b stil"
    kinds = [e["type"] for e in entities]
    assert kinds == ["text_link", "code", "spoiler"]


def test_the_page_gets_escaped_html_with_clickable_links():
    text, entities = parse_text("<i>1 < 2</i> https://t.me/hulplijn_sim_bot?start=x", "HTML")
    html = render_html(text, entities)
    assert html.startswith("<i>1 &lt; 2</i> <a href=\"https://t.me/hulplijn_sim_bot?start=x\"")
    assert render_html("<script>", []) == "&lt;script&gt;"


def test_buckets_refill_with_time():
    limiter = SendLimiter(global_per_s=30, group_per_min=20, chat_per_s=1, chat_burst=2)
    assert limiter.check(1, False, now=100.0) is None
    assert limiter.check(1, False, now=100.0) is None
    assert limiter.check(1, False, now=100.0) == 1
    assert limiter.check(1, False, now=101.0) is None
    for _ in range(20):
        assert limiter.check(-5, True, now=200.0) is None
    assert limiter.check(-5, True, now=200.0) == 3  # 20/min: one more token every 3 s
    assert limiter.check(-5, True, now=203.0) is None


def test_the_global_bucket_holds_back_every_chat():
    limiter = SendLimiter(global_per_s=2, group_per_min=60, chat_per_s=10, chat_burst=10)
    assert limiter.check(1, False, 0.0) is None
    assert limiter.check(2, False, 0.0) is None
    assert limiter.check(3, False, 0.0) == 1


def test_the_default_world_is_believable():
    world = load_world(DEFAULT_WORLD_FILE)
    roles = [u.role for u in world.users]
    assert roles.count("teen") >= 4 and roles.count("counsellor") == 2
    assert roles.count("coordinator") == 1
    assert {g.key for g in world.groups} == {"vlaanderen", "nederland", "staff"}
    assert all(g.bot == "admin" for g in world.groups)


def test_a_world_file_naming_an_unknown_user_is_refused(tmp_path: Path):
    path = tmp_path / "world.yaml"
    path.write_text("users: [{key: a, first_name: A}]\n"
                    "groups: [{key: g, title: G, members: [b]}]\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown users"):
        load_world(path)
    with pytest.raises(ValidationError):
        WorldSpec.model_validate({"users": [{"key": "a", "first_name": "A", "rol": "x"}]})

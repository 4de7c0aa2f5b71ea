"""Flow validation: the shipped flow passes; every kind of broken flow is reported with its location."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ivr.cli import main
from ivr.flow import FlowError, load_flow, parse_flow

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "flows" / "950618.yaml"


def minimal() -> dict:
    return {
        "schema_version": 1,
        "id": "mini",
        "locales": ["zh-CN", "en-US"],
        "start": "main",
        "main_menu": "main",
        "agent": {"skill": "general", "intent": "agent_request"},
        "prompts": {
            name: [{"zh-CN": f"{name}{i}", "en-US": f"{name} {i}"} for i in range(3)]
            for name in ("no_input", "no_match", "transfer", "goodbye")
        } | {"press": [{"zh-CN": "{label}请按{key}", "en-US": "For {label}, press {key}"}]},
        "nodes": {
            "main": {
                "type": "menu",
                "prompt": {"zh-CN": "请选择", "en-US": "Please choose"},
                "options": [
                    {"key": "1", "label": {"zh-CN": "退货", "en-US": "returns"},
                     "phrases": {"zh-CN": ["退货"], "en-US": ["return"]},
                     "route": {"skill": "after_sales", "intent": "return_request"}},
                ],
            }
        },
    }


def problems_of(data) -> list:
    with pytest.raises(FlowError) as info:
        parse_flow(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), source="broken.yaml")
    return info.value.problems


def test_shipped_flow_is_valid():
    flow = load_flow(SHIPPED)
    assert flow.locales == ("zh-CN", "en-US")
    assert flow.main_menu == "main"


def test_minimal_flow_is_valid():
    parse_flow(yaml.safe_dump(minimal(), allow_unicode=True))


def with_(mutate):
    data = minimal()
    mutate(data)
    return data


BROKEN = [
    ("unknown target", lambda d: d["nodes"]["main"]["options"].append(
        {"key": "2", "goto": "nowhere", "phrases": {"zh-CN": ["二"], "en-US": ["two"]}}),
     "nodes.main.options[1].goto", "unknown target node 'nowhere'"),
    ("duplicate key", lambda d: d["nodes"]["main"]["options"].append(
        {"key": "1", "action": "repeat"}), "nodes.main.options[1].key", "key '1' is already used"),
    ("unreachable node", lambda d: d["nodes"].update(
        {"orphan": {"type": "route", "route": {"skill": "general", "intent": "other"}}}),
     "nodes.orphan", "unreachable"),
    ("message without exit", lambda d: (d["nodes"].update(
        {"hello": {"type": "message", "prompt": {"zh-CN": "你好", "en-US": "hi"}}}), d.update(start="hello")),
     "nodes.hello", "no exit"),
    ("missing locale text", lambda d: d["nodes"]["main"]["prompt"].pop("en-US"),
     "nodes.main.prompt", "missing en-US text"),
    ("same phrase on two options", lambda d: d["nodes"]["main"]["options"].append(
        {"key": "2", "phrases": {"zh-CN": ["退货"], "en-US": ["refund"]}, "route": {"skill": "after_sales", "intent": "refund_status"}}),
     "nodes.main.options[1].phrases.zh-CN[0]", "phrase '退货' is also on nodes.main.options[0]"),
    ("unknown queue", lambda d: d["nodes"]["main"]["options"][0]["route"].update(skill="sales"),
     "nodes.main.options[0].route.skill", "unknown skill 'sales'"),
    ("unknown intent", lambda d: d["nodes"]["main"]["options"][0]["route"].update(intent="buy_stuff"),
     "nodes.main.options[0].route.intent", "unknown intent 'buy_stuff'"),
    ("bad type", lambda d: d["nodes"]["main"]["options"][0].update(key=1),
     "nodes.main.options[0].key", "is not of type 'string'"),
    ("unknown field", lambda d: d["nodes"]["main"].update(colour="red"),
     "nodes.main", "unknown field(s): colour"),
    ("option without action", lambda d: d["nodes"]["main"]["options"][0].pop("route"),
     "nodes.main.options[0]", "no action"),
    ("two actions", lambda d: d["nodes"]["main"]["options"][0].update(goto="main"),
     "nodes.main.options[0]", "more than one action"),
    ("missing shared prompt", lambda d: d["prompts"].pop("no_match"), "prompts", "missing shared prompt 'no_match'"),
    ("too few reprompts", lambda d: d["prompts"]["no_input"].pop(), "prompts.no_input", "needs 3 escalating prompts"),
    ("undeclared locale", lambda d: d["nodes"]["main"]["prompt"].update({"fr-FR": "Choisissez"}),
     "nodes.main.prompt.fr-FR", "undeclared locale fr-FR"),
    ("start missing", lambda d: d.update(start="begin"), "start", "unknown target node 'begin'"),
    ("loop without exit", lambda d: d["nodes"].update({
        "a": {"type": "message", "prompt": {"zh-CN": "甲", "en-US": "a"}, "next": "b"},
        "b": {"type": "message", "prompt": {"zh-CN": "乙", "en-US": "b"}, "next": "a"},
        "main": d["nodes"]["main"]}) or d.update(start="a"),
     "nodes.a", "no exit"),
    ("unsupported version", lambda d: d.update(schema_version=7), "schema_version", "unsupported schema_version 7"),
]


@pytest.mark.parametrize("name,mutate,location,message", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_flow_reports_problem_with_location(name, mutate, location, message):
    problems = problems_of(with_(mutate))
    matching = [p for p in problems if p.location == location and message in p.message]
    assert matching, [(p.location, p.message) for p in problems]
    assert all(p.line for p in matching), "every problem carries its YAML line"


def test_every_problem_is_reported_at_once():
    def many(d):
        d["nodes"]["main"]["options"][0]["route"]["skill"] = "sales"
        d["nodes"]["main"]["prompt"].pop("en-US")
        d["nodes"]["main"]["options"].append({"key": "2", "goto": "nowhere"})
    problems = problems_of(with_(many))
    assert len(problems) >= 3


def test_line_numbers_point_at_the_yaml(tmp_path):
    text = SHIPPED.read_text("utf-8").replace("goto: after_sales", "goto: after_sale")
    with pytest.raises(FlowError) as info:
        parse_flow(text, source="x.yaml")
    problem = next(p for p in info.value.problems if "after_sale'" in p.message)
    assert "goto: after_sale" in text.splitlines()[problem.line - 1]


def test_duplicate_yaml_keys_are_reported():
    text = yaml.safe_dump(minimal(), allow_unicode=True, sort_keys=False) + "start: main\n"
    with pytest.raises(FlowError) as info:
        parse_flow(text)
    assert any("duplicate key 'start'" in p.message for p in info.value.problems)


@pytest.mark.parametrize("text,fragment", [
    ("nodes: [unclosed", "not valid YAML"),
    ("", "a flow must be a mapping"),
    ("- a\n- b\n", "a flow must be a mapping"),
])
def test_unparseable_files(text, fragment):
    with pytest.raises(FlowError) as info:
        parse_flow(text)
    assert fragment in str(info.value)


def test_cli_check_exit_codes(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["flows", "check", str(SHIPPED)])
    assert ok.exit_code == 0 and "ok" in ok.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(SHIPPED.read_text("utf-8").replace("skill: billing", "skill: bills"), "utf-8")
    result = runner.invoke(main, ["flows", "check", str(broken)])
    assert result.exit_code == 1
    assert result.output.count("unknown skill 'bills'") >= 2
    assert "broken.yaml:" in result.output
    missing = runner.invoke(main, ["flows", "check", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_cli_show_prints_the_tree():
    result = CliRunner().invoke(main, ["flows", "show", str(SHIPPED), "--locale", "en-US"])
    assert result.exit_code == 0
    assert "order_lookup [self_service]" in result.output
    assert "=> queue complaints" in result.output

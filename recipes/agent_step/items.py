"""The agent-step payload: normalising, validating, grading, and the shortcuts and wrong actions gates try."""

from __future__ import annotations

import re
from typing import Any

from domain import actions as act
from domain.graders import Verdict, extract_json

FIELDS = ("workflow", "goal", "step", "step_index", "context", "actions", "answer", "grading", "rationale")
ROLES = ("user", "assistant", "tool")
_VERBS = r"(?:call|use|run|invoke|trigger|execute|go\s+with|pick|choose)"


def normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """Keep the known fields and coerce what models write loosely ("3" for 3, an "ACTION: ..." answer line)."""
    item = {k: raw[k] for k in FIELDS if k in raw}
    if isinstance(item.get("step_index"), str) and item["step_index"].strip().isdigit():
        item["step_index"] = int(item["step_index"])
    if isinstance(item.get("grading"), str):
        item["grading"] = item["grading"].strip().lower()
    answer = item.get("answer")
    if isinstance(answer, str) and (parsed := act.parse(answer if ":" in answer else f"ACTION: {answer}")):
        item["answer"] = {"action": parsed.name, "args": parsed.args if parsed.args is not None else answer}
    elif isinstance(answer, dict):
        item["answer"] = {"action": answer.get("action", answer.get("name")), "args": answer.get("args", {})}
    if isinstance(item.get("actions"), list):
        item["actions"] = [{**a, "args": a.get("args") or {}} if isinstance(a, dict) else a for a in item["actions"]]
    item.setdefault("rationale", "")
    return item


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def validate(item: dict[str, Any]) -> list[str]:
    """Problems with the payload, each naming its field; empty when it can be graded."""
    errors = [f"{k}: missing or empty" for k in ("workflow", "goal", "step") if not _text(item.get(k))]
    index = item.get("step_index")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        errors.append(f"step_index: must be an integer >= 0 (got {index!r})")
    context = item.get("context")
    if not isinstance(context, list) or not context:
        errors.append("context: must be a non-empty list of turns")
    else:
        for i, turn in enumerate(context):
            if not isinstance(turn, dict) or turn.get("role") not in ROLES:
                errors.append(f"context[{i}].role: must be one of {', '.join(ROLES)}")
            elif not _text(turn.get("content")):
                errors.append(f"context[{i}].content: missing or empty")
    errors += _action_errors(item.get("actions"))
    if item.get("grading") not in act.GRADINGS:
        errors.append(f"grading: must be one of {', '.join(act.GRADINGS)} (got {item.get('grading')!r})")
    if errors:
        return errors
    answer = item.get("answer")
    if not isinstance(answer, dict) or not _text(answer.get("action")):
        return ['answer: must be {"action": name, "args": {...}}']
    chosen = find(item, answer["action"])
    if chosen is None:
        return [f"answer.action: {answer['action']!r} is not one of the available actions"]
    return [f"answer.args: {e}" for e in act.schema_errors(answer.get("args"), chosen["args"])]


def _action_errors(actions: Any) -> list[str]:
    if not isinstance(actions, list) or len(actions) < 2:
        return ["actions: must list at least two actions"]
    errors, seen = [], set()
    for i, a in enumerate(actions):
        if not isinstance(a, dict) or not _text(a.get("name")) or not re.fullmatch(r"[A-Za-z_][\w.\-]*", a["name"]):
            errors.append(f"actions[{i}].name: must be an identifier")
            continue
        if act.normalise_name(a["name"]) in seen:
            errors.append(f"actions[{i}].name: {a['name']!r} is listed twice")
        seen.add(act.normalise_name(a["name"]))
        if not _text(a.get("description")):
            errors.append(f"actions[{i}].description: missing or empty")
        args = a.get("args")
        if not isinstance(args, dict) or not all(act.known_type(t) for t in args.values()):
            errors.append(f"actions[{i}].args: must map each argument to a type (string, number, integer, ...)")
    return errors


def find(item: dict[str, Any], name: str) -> dict[str, Any] | None:
    want = act.normalise_name(name)
    return next((a for a in item.get("actions", []) if act.normalise_name(a.get("name", "")) == want), None)


def reference(item: dict[str, Any]) -> str:
    answer = item.get("answer") or {}
    return act.format_action(str(answer.get("action", "")), answer.get("args") or {})


def grade(item: dict[str, Any], reply: str) -> Verdict:
    return act.grade(item.get("answer") or {}, str(item.get("grading", "")), reply)


def accepts(item: dict[str, Any], name: str, args: dict[str, Any] | None = None) -> bool:
    return grade(item, act.format_action(name, args)).ok


def _filler(kind: str) -> Any:
    return {"string": "unknown", "number": 1.0, "integer": 1, "boolean": True, "array": [], "object": {}}.get(
        kind.rstrip("?"), "unknown"
    )


def _wrong(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1 if value else 1
    if isinstance(value, list):
        return value[:-1] if value else ["unknown"]
    if isinstance(value, dict):
        return {}
    return f"{value}-other" if value else "other"


def counters(item: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Wrong decisions: every other available action (its args filled in), and the right action with each of
    its arguments wrong in turn."""
    answer = item.get("answer") or {}
    right = act.normalise_name(str(answer.get("action", "")))
    out = [
        (a["name"], {k: _filler(t) for k, t in a.get("args", {}).items() if not t.endswith("?")})
        for a in item.get("actions", [])
        if act.normalise_name(a.get("name", "")) != right
    ]
    args = answer.get("args") or {}
    out += [(answer.get("action", ""), {**args, key: _wrong(value)}) for key, value in args.items()]
    return out


def _mention(name: str) -> re.Pattern[str]:
    words = r"[_\s\-]".join(re.escape(w) for w in re.split(r"[_\-]", name) if w)
    return re.compile(rf"(?<![\w]){words}(?![\w])", re.IGNORECASE)


def context_text(item: dict[str, Any]) -> str:
    return "\n".join(str(t.get("content", "")) for t in item.get("context", []) if isinstance(t, dict))


def leaked(item: dict[str, Any]) -> str:
    """The sentence of the transcript that tells the agent to take the correct action, or ""."""
    name = _mention(str((item.get("answer") or {}).get("action", ""))).pattern
    cue = re.compile(rf"(?i)(?:\b{_VERBS}\s+(?:the\s+)?|next\s+(?:action|step)\s*(?:is|:)\s*)[`'\"]?{name}")
    for turn in item.get("context", []):
        for sentence in re.split(r"(?<=[.!?])\s+", str(turn.get("content", ""))):
            if cue.search(sentence):
                return sentence.strip()
    return ""


def mentions(item: dict[str, Any]) -> dict[str, int]:
    """How often each available action is named in the transcript."""
    text = context_text(item)
    return {a["name"]: len(_mention(a["name"]).findall(text)) for a in item.get("actions", [])}


def trivial(item: dict[str, Any]) -> list[tuple[str, str]]:
    """Shortcut strategies and the action each picks: the first, the last, the one the transcript names most."""
    names = [a["name"] for a in item.get("actions", [])]
    found = [("always the first action", names[0]), ("always the last action", names[-1])] if names else []
    counts = mentions(item)
    top = max(counts.values(), default=0)
    leaders = [n for n, c in counts.items() if c == top]
    if top > 0 and len(leaders) == 1:
        found.append(("the action most mentioned in the context", leaders[0]))
    return found


def argued(item: dict[str, Any]) -> list[str]:
    """The available actions the rationale names."""
    text = str(item.get("rationale") or "")
    return [a["name"] for a in item.get("actions", []) if _mention(a["name"]).search(text)]


def from_reply(text: str) -> dict[str, Any] | None:
    data = extract_json(text)
    return data if isinstance(data, dict) else None

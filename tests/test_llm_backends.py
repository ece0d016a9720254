"""The shared instructor logic (extractor.backends.llm), driven by a scripted fake model."""
from __future__ import annotations

import json

import pytest
from openai.types.chat import ChatCompletion

from extractor.backends.base import BackendError, Candidate, GroupTask, Passage
from extractor.backends.llama import restrict_quotes
from extractor.backends.llm import (extract_group, field_meaning, flatten_tool_messages,
                                    patched_create, prompt_hash, quote_choices, relaxed_json,
                                    render_prompt)
from extractor.schemas.catalog import MAX_QUOTE_CHARS, group_model
from extractor.schemas.catalog import FieldSpec, GroupSpec

PASSAGE = ("We trained a small convolutional network with the Adam optimizer and a learning "
           "rate of 0.001 on photographs of beetles taken in our laboratory.")


def make_task(check=True, hints=()):
    group = GroupSpec("training", "How the model was trained", [
        FieldSpec("optimizer", "training", "optimizer: SGD, Adam"),
        FieldSpec("hyperparameters", "training", "named settings with values"),
    ])

    def verify(c: Candidate):
        return None if c.quote in PASSAGE else "the quote is not in any passage"

    return GroupTask(doc_id="d1", group=group,
                     passages=[Passage(chunk_id=7, text=PASSAGE, start=0, page=1)],
                     hints=list(hints), check=verify if check else None)


class ScriptedModel:
    """An OpenAI-compatible create() that answers with scripted tool-call arguments."""

    def __init__(self, *answers, finish_reason="stop"):
        self.answers = list(answers)
        self.requests: list[dict] = []
        self.finish_reason = finish_reason

    def __call__(self, **kwargs):
        self.requests.append(kwargs)
        args = self.answers.pop(0)
        name = kwargs["tools"][0]["function"]["name"]
        n = len(self.requests)
        return ChatCompletion.model_validate({
            "id": f"c{n}", "object": "chat.completion", "created": 0, "model": "fake",
            "choices": [{"index": 0, "finish_reason": self.finish_reason, "message": {
                "role": "assistant", "content": None,
                "tool_calls": [{"id": f"call{n}", "type": "function",
                                "function": {"name": name, "arguments": args}}]}}],
            "usage": {"prompt_tokens": 100 * n, "completion_tokens": 10 * n,
                      "total_tokens": 110 * n},
        })


def run(model, task, flatten=False):
    import instructor
    create = patched_create(model, instructor.Mode.TOOLS, flatten=flatten)
    return extract_group(create, task, model="fake", max_tokens=256)


GOOD = json.dumps({"optimizer": [{"quote": "with the Adam optimizer", "value": "Adam"}],
                   "hyperparameters": [{"quote": "a learning rate of 0.001",
                                        "value": "learning rate 0.001"}]})
INVENTED = json.dumps({"optimizer": [{"quote": "optimised with SGD and momentum",
                                      "value": "SGD"}], "hyperparameters": []})


def test_grounded_quotes_pass_in_one_call():
    model = ScriptedModel(GOOD)
    out = run(model, make_task())
    assert out.candidates == [
        Candidate("optimizer", "Adam", "with the Adam optimizer"),
        Candidate("hyperparameters", "learning rate 0.001", "a learning rate of 0.001")]
    assert len(model.requests) == 1
    assert [(c.attempt, c.prompt_tokens, c.completion_tokens) for c in out.calls] == [(1, 100, 10)]
    assert out.calls[0].latency_ms is not None and out.calls[0].error is None


def test_failed_check_retries_once_with_the_reason():
    model = ScriptedModel(INVENTED, GOOD)
    out = run(model, make_task())
    assert len(model.requests) == 2
    retry_text = json.dumps(model.requests[1]["messages"])
    assert "the quote is not in any passage" in retry_text
    assert "optimizer 'SGD'" in retry_text
    assert [c.field for c in out.candidates] == ["optimizer", "hyperparameters"]
    assert [(c.attempt, c.prompt_tokens, c.completion_tokens) for c in out.calls] == [
        (1, 100, 10), (2, 200, 20)]
    assert "not in any passage" in out.calls[0].error
    assert out.calls[1].error is None


def test_final_attempt_is_passed_on_for_the_core_to_verify():
    # Two ungrounded answers: no third call; the second answer goes to the core's verifier.
    model = ScriptedModel(INVENTED, INVENTED)
    out = run(model, make_task())
    assert len(model.requests) == 2
    assert out.candidates == [Candidate("optimizer", "SGD", "optimised with SGD and momentum")]


def test_short_quote_is_rejected_even_without_check():
    short = json.dumps({"optimizer": [{"quote": "Adam", "value": "Adam"}], "hyperparameters": []})
    model = ScriptedModel(short, GOOD)
    run(model, make_task(check=False))
    assert "shorter than 8 characters" in json.dumps(model.requests[1]["messages"])


def test_invalid_json_twice_raises_backend_error_with_calls():
    model = ScriptedModel("{not json", '{"optimizer": "Adam"}')
    with pytest.raises(BackendError) as ei:
        run(model, make_task())
    assert len(ei.value.calls) == 2
    assert all(c.error for c in ei.value.calls)
    assert ei.value.calls[1].prompt_tokens == 200


def test_truncated_answer_is_a_backend_error():
    model = ScriptedModel(GOOD, finish_reason="length")
    with pytest.raises(BackendError, match="max_tokens"):
        run(model, make_task())


def test_transport_error_is_a_backend_error():
    def broken(**kwargs):
        raise ConnectionError("server went away")
    with pytest.raises(BackendError, match="server went away"):
        run(broken, make_task())


def test_raw_newlines_in_strings_are_accepted():
    raw = GOOD.replace("with the Adam optimizer", "with the Adam\noptimizer")
    assert json.loads(relaxed_json(raw))["optimizer"][0]["quote"] == "with the Adam\noptimizer"
    model = ScriptedModel(raw)
    out = run(model, make_task(check=False))
    assert out.candidates[0].quote == "with the Adam\noptimizer"


def test_empty_lists_mean_unknown():
    model = ScriptedModel(json.dumps({"optimizer": [], "hyperparameters": []}))
    out = run(model, make_task())
    assert out.candidates == [] and len(out.calls) == 1


def test_prompt_names_fields_passages_and_hints():
    hint = Candidate("optimizer", "Adam", "the Adam optimizer")
    text = render_prompt(make_task(hints=[hint]))
    assert "- optimizer: optimizer\n" in text and "SGD" not in text   # illustrations left out
    assert "[P1] We trained" in text
    assert '- optimizer: "Adam" (from: "the Adam optimizer")' in text
    assert "THIS study" in text and "[] means unknown" in text
    assert "$" not in text          # every placeholder was filled
    assert len(prompt_hash()) == 12


def test_braces_in_passages_survive_untouched():
    # instructor templates messages when given a validation context; ours must arrive as is.
    task = make_task(check=False)
    task.passages[0] = Passage(chunk_id=1, text="loss {{ x }} and {% raw %} f(x)={a}", start=0,
                               page=None)
    model = ScriptedModel(json.dumps({"optimizer": [], "hyperparameters": []}))
    run(model, task)
    assert "loss {{ x }} and {% raw %} f(x)={a}" in model.requests[0]["messages"][0]["content"]


def test_flatten_turns_tool_turns_into_text():
    msgs = [{"role": "user", "content": "q"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "1", "name": "f", "content": "fix it"}]
    assert flatten_tool_messages(msgs) == [{"role": "user", "content": "q"},
                                           {"role": "assistant", "content": "{}"},
                                           {"role": "user", "content": "fix it"}]


def test_flattened_retry_shows_the_previous_answer():
    model = ScriptedModel(INVENTED, GOOD)
    run(model, make_task(), flatten=True)
    roles = [m["role"] for m in model.requests[1]["messages"]]
    assert roles == ["user", "assistant", "user"]
    assert "optimised with SGD" in model.requests[1]["messages"][1]["content"]


def test_field_meaning_drops_illustrations():
    assert field_meaning("optimizer: SGD, Adam, AdamW") == "optimizer"
    assert field_meaning("named datasets used  for training") == "named datasets used for training"
    assert field_meaning("the URL of the code") == "the URL of the code"


def test_quote_choices_are_verbatim_bounded_pieces():
    long = " ".join(f"w{i}" for i in range(200)) + " end."
    text = PASSAGE + " Short. " + long
    pieces = quote_choices([Passage(chunk_id=1, text=text, start=0, page=None)])
    assert pieces[0] == PASSAGE
    assert "Short." not in pieces                        # below the minimum quote length
    assert all(p in text and 8 <= len(p) <= MAX_QUOTE_CHARS for p in pieces)
    assert len(pieces) >= 3                              # the long sentence is cut in pieces


def test_restrict_quotes_puts_an_enum_on_every_quote():
    schema = group_model(make_task().group).model_json_schema()
    out = restrict_quotes(schema, ["a sentence one.", "a sentence two."])
    assert out["$defs"]["EvidencedValue"]["properties"]["quote"]["enum"] == [
        "a sentence one.", "a sentence two."]
    assert "enum" not in schema["$defs"]["EvidencedValue"]["properties"]["quote"]  # a copy


def test_one_value_for_several_fields_is_sent_back():
    same = json.dumps({"optimizer": [{"quote": "with the Adam optimizer", "value": "Adam"}],
                       "hyperparameters": [{"quote": "with the Adam optimizer", "value": "adam"}]})
    model = ScriptedModel(same, GOOD)
    out = run(model, make_task())
    assert len(model.requests) == 2
    retry_text = json.dumps(model.requests[1]["messages"])
    assert "'adam' is given for hyperparameters, optimizer" in retry_text
    assert len(out.candidates) == 2

"""The shared per-field LLM logic (extractor.backends.llm, .sentences), driven by a scripted
fake model. These test orchestration only: what is asked, how often, what is kept and logged."""
from __future__ import annotations

import json

import pytest
from openai.types.chat import ChatCompletion

from extractor.backends.base import BackendError, Candidate, GroupTask, Passage
from extractor.backends.llm import (ask, extract_fields, field_meaning, flatten_tool_messages,
                                    patched_create, prompt_hash, relaxed_json,
                                    render_field_prompt)
from extractor.backends.sentences import quote_choices, top_sentences
from extractor.schemas.catalog import MAX_QUOTE_CHARS, FieldSpec, GroupSpec

# Written for these tests (not from any paper).
ADAM = "We trained a small convolutional network with the Adam optimizer on beetle photographs."
LR = "The learning rate was 0.001 and the batch size 32."
OTHER = "Beetles were collected in three forests during the summer."
OPTIMIZER = FieldSpec("optimizer", "training", "optimizer: SGD, Adam",
                      search_terms=("optimizer",), vocabulary={"Adam": ("Adam",)})
HYPER = FieldSpec("hyperparameters", "training", "named settings with values: learning rate",
                  search_terms=("learning rate", "batch size"))
MISSING = FieldSpec("hardware", "training", "compute hardware: GPU", search_terms=("GPU",))


def make_task(fields=(OPTIMIZER, HYPER), hints=(), check=True):
    text = " ".join([ADAM, LR, OTHER])

    def verify(c: Candidate):
        if c.quote not in text:
            return "quote not found in the passages read"
        return None if c.value.lower() in c.quote.lower() else "value not grounded in its quote"

    return GroupTask(doc_id="d1", group=GroupSpec("training", "How the model was trained",
                                                  list(fields)),
                     passages=[Passage(chunk_id=7, text=text, start=0, page=1)],
                     hints=list(hints), check=verify if check else None)


class ScriptedModel:
    """An OpenAI-compatible create() answering each request with the next scripted text."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[dict] = []

    def __call__(self, **kwargs):
        self.requests.append(kwargs)
        text = self.answers.pop(0)
        if isinstance(text, Exception):
            raise text
        name = kwargs["tools"][0]["function"]["name"]
        n = len(self.requests)
        return ChatCompletion.model_validate({
            "id": f"c{n}", "object": "chat.completion", "created": 0, "model": "fake",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "content": None,
                "tool_calls": [{"id": f"call{n}", "type": "function",
                                "function": {"name": name, "arguments": text}}]}}],
            "usage": {"prompt_tokens": 100 * n, "completion_tokens": 10 * n,
                      "total_tokens": 110 * n}})


def run(model, task, top_n=3):
    import instructor
    create = patched_create(model, instructor.Mode.TOOLS, flatten=True)
    return extract_fields(lambda m, mdl, key: ask(create, m, mdl, key, model="fake",
                                                  max_tokens=128, temperature=0.0), task, top_n)


def answers(*pairs) -> str:
    return json.dumps({"answers": [{"sentence": s, "value": v} for s, v in pairs]})


def prompt_of(request) -> str:
    return request["messages"][0]["content"]


# --- sentences ---------------------------------------------------------------------------------

def test_top_sentences_ranks_by_the_fields_terms_and_are_verbatim():
    task = make_task()
    assert top_sentences(OPTIMIZER, task.passages, 3) == [ADAM]
    assert top_sentences(HYPER, task.passages, 3) == [LR]
    assert top_sentences(MISSING, task.passages, 3) == []


def test_top_sentences_keeps_at_most_n_best_first():
    spec = FieldSpec("optimizer", "t", "optimizer", search_terms=("optimizer", "momentum"))
    text = ("An optimizer was used. The optimizer was SGD with momentum. Nothing here at all. "
            "Another optimizer line.")
    got = top_sentences(spec, [Passage(1, text, 0, 1)], 2)
    assert got == ["The optimizer was SGD with momentum.", "An optimizer was used."]
    assert all(s in text for s in got)


def test_a_hints_sentence_is_always_shown():
    hint = Candidate("hyperparameters", "Beetles", "Beetles were collected")
    got = top_sentences(HYPER, make_task().passages, 1, [hint])
    assert got[0] == OTHER


def test_quote_choices_are_verbatim_bounded_pieces():
    long = "word " * 200 + "end."
    pieces = quote_choices([Passage(1, long + " Short one here. ok.", 0, 1)])
    assert all(len(p) <= MAX_QUOTE_CHARS and p in long + " Short one here. ok." for p in pieces)
    assert "ok." not in pieces      # shorter than MIN_QUOTE_CHARS


# --- one call per field, extractive answers ----------------------------------------------------

def test_one_call_per_field_and_the_quote_is_the_sentence():
    model = ScriptedModel(answers((1, "Adam")), answers((1, "learning rate was 0.001")))
    out = run(model, make_task())
    assert out.candidates == [Candidate("optimizer", "Adam", ADAM),
                              Candidate("hyperparameters", "learning rate was 0.001", LR)]
    assert len(model.requests) == 2
    assert "FIELD: optimizer" in prompt_of(model.requests[0])
    assert f"S1: {ADAM}" in prompt_of(model.requests[0])
    assert LR not in prompt_of(model.requests[0])       # only the field's own sentences
    assert [(c.field, c.attempt) for c in out.calls] == [("optimizer", 1),
                                                         ("hyperparameters", 1)]


def test_a_field_without_a_matching_sentence_costs_no_call():
    model = ScriptedModel()
    out = run(model, make_task(fields=(MISSING,)))
    assert out.candidates == [] and out.calls == [] and model.requests == []


def test_the_sentence_number_is_an_enum_of_the_sentences_shown():
    model = ScriptedModel(answers())
    run(model, make_task(fields=(OPTIMIZER,)))
    schema = model.requests[0]["tools"][0]["function"]["parameters"]
    sentence = schema["$defs"]["Answer"]["properties"]["sentence"]
    assert sentence.get("enum", [sentence.get("const")]) == [1]


def test_a_sentence_number_out_of_range_is_reasked_with_the_parse_error():
    model = ScriptedModel(answers((5, "Adam")), answers((1, "Adam")))
    out = run(model, make_task(fields=(OPTIMIZER,)))
    assert out.candidates == [Candidate("optimizer", "Adam", ADAM)]
    assert len(model.requests) == 2 and out.calls[0].error
    assert model.requests[0]["messages"] != model.requests[1]["messages"]


def test_empty_answers_mean_unknown():
    out = run(ScriptedModel(answers()), make_task(fields=(OPTIMIZER,)))
    assert out.candidates == [] and len(out.calls) == 1


# --- retries: only with the verifier's reasons, never the same request twice -------------------

def test_a_rejected_value_is_asked_again_once_with_the_reason():
    model = ScriptedModel(answers((1, "SGD")), answers((1, "Adam")))
    out = run(model, make_task(fields=(OPTIMIZER,)))
    # the rejected first answer goes on too: the core stores it as rejected
    assert out.candidates == [Candidate("optimizer", "SGD", ADAM),
                              Candidate("optimizer", "Adam", ADAM)]
    first, second = (r["messages"] for r in model.requests)
    assert second[:1] == first and second != first
    assert second[1] == {"role": "assistant", "content": answers((1, "SGD"))}
    assert "value not grounded in its quote" in second[2]["content"]
    assert [c.attempt for c in out.calls] == [1, 2]


def test_rejected_twice_is_passed_on_without_a_third_request():
    model = ScriptedModel(answers((1, "SGD")), answers((1, "SGD")))
    out = run(model, make_task(fields=(OPTIMIZER,)))
    assert len(model.requests) == 2     # the same answer again: no third try
    assert out.candidates == [Candidate("optimizer", "SGD", ADAM)]     # the core rejects it
    sent = [json.dumps(r["messages"]) for r in model.requests]
    assert len(set(sent)) == len(sent)


def test_first_answers_are_kept_through_a_retry_for_the_core_to_judge():
    model = ScriptedModel(answers((1, "Adam"), (1, "SGD")), answers((1, "convolutional")))
    out = run(model, make_task(fields=(OPTIMIZER,)))
    assert out.candidates == [Candidate("optimizer", "Adam", ADAM),
                              Candidate("optimizer", "SGD", ADAM),
                              Candidate("optimizer", "convolutional", ADAM)]


def test_a_value_pointed_at_the_wrong_sentence_is_quoted_from_the_one_holding_it():
    spec = FieldSpec("hyperparameters", "training", "settings",
                     search_terms=("learning rate", "optimizer"))
    task = make_task(fields=(spec,))
    assert top_sentences(spec, task.passages, 3) == [ADAM, LR]
    model = ScriptedModel(answers((1, "0.001")))
    out = run(model, task)
    assert out.candidates == [Candidate("hyperparameters", "0.001", LR)]
    assert len(model.requests) == 1     # verified at once: no reask


def test_no_retry_without_a_check():
    model = ScriptedModel(answers((1, "SGD")))
    out = run(model, make_task(fields=(OPTIMIZER,), check=False))
    assert len(model.requests) == 1 and out.candidates[0].value == "SGD"


def test_no_request_is_ever_repeated_identically():
    """Whatever the model answers, every request of a field differs from the ones before."""
    scripts = [[answers((1, "SGD")), answers((1, "SGD"))], ["not json", answers((1, "x"))],
               ["not json", "still not json"], [answers((1, "Adam"))]]
    for script in scripts:
        model = ScriptedModel(*script)
        try:
            run(model, make_task(fields=(OPTIMIZER,)))
        except BackendError:
            pass
        sent = [json.dumps(r["messages"], sort_keys=True) for r in model.requests]
        assert len(set(sent)) == len(sent), script


def test_unparseable_twice_is_a_backend_error_with_every_call():
    model = ScriptedModel("nope", "nope again")
    with pytest.raises(BackendError) as e:
        run(model, make_task())
    assert "optimizer" in str(e.value) and len(e.value.calls) == 2
    assert all(c.error and c.output.startswith("nope") for c in e.value.calls)


def test_a_failing_field_keeps_the_calls_of_the_fields_before():
    model = ScriptedModel(answers((1, "Adam")), RuntimeError("connection dropped"))
    with pytest.raises(BackendError) as e:
        run(model, make_task())
    assert [c.field for c in e.value.calls] == ["optimizer", "hyperparameters"]
    assert "connection dropped" in e.value.calls[-1].error


# --- the call log -----------------------------------------------------------------------------

def test_every_call_logs_its_messages_and_raw_output():
    model = ScriptedModel(answers((1, "SGD")), answers((1, "Adam")))
    out = run(model, make_task(fields=(OPTIMIZER,)))
    for call, req in zip(out.calls, model.requests):
        assert json.loads(call.messages) == req["messages"]
        assert call.field == "optimizer" and call.prompt_tokens and call.latency_ms is not None
    assert out.calls[0].output == answers((1, "SGD"))
    assert out.calls[1].output == answers((1, "Adam"))


# --- prompt ------------------------------------------------------------------------------------

def test_prompt_has_the_meaning_not_the_examples_and_the_hint():
    task = make_task(hints=[Candidate("optimizer", "Adam", "with the Adam optimizer")])
    text = render_field_prompt(task, OPTIMIZER, [ADAM])
    assert "FIELD: optimizer (optimizer)" in text and "SGD" not in text
    assert 'Keyword rules suggest "Adam" from S1' in text


def test_braces_in_sentences_survive_untouched():
    s = "We used the {Adam} optimizer with ${lr} = 0.1 and {{x}}."
    assert f"S1: {s}" in render_field_prompt(make_task(), OPTIMIZER, [s])


def test_prompt_hash_is_stable_and_short():
    assert prompt_hash() == prompt_hash() and len(prompt_hash()) == 12


def test_field_meaning_drops_illustrations():
    assert field_meaning("optimizer: SGD, Adam") == "optimizer"
    assert field_meaning("no colon here") == "no colon here"


def test_raw_newlines_in_strings_are_accepted_and_valid_json_kept_verbatim():
    assert json.loads(relaxed_json('{"a": "x\ny"}')) == {"a": "x\ny"}
    assert relaxed_json('{"a":  1}') == '{"a":  1}'


def test_flatten_turns_tool_turns_into_text():
    msgs = [{"role": "user", "content": "q"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "1", "content": "bad"}]
    assert flatten_tool_messages(msgs) == [{"role": "user", "content": "q"},
                                           {"role": "assistant", "content": "{}"},
                                           {"role": "user", "content": "bad"}]

"""A third-party methex backend, as small as one can be (README.md: "Your own backend").

Finds one word in the passages and offers it, with its sentence as the quote, as a value of
one field. methex verifies and stores it like any other backend's candidate.
"""
import re

from extractor.backends.base import Backend, Candidate, GroupOutput, GroupTask, option


class WordMatchBackend(Backend):
    name = "wordmatch"                  # = the entry point's name: --backend wordmatch

    class Options(Backend.Options):     # each option becomes a flag: --word, --target-field
        word: str = option("PyTorch", "the word to find")
        target_field: str = option("frameworks", "the field it is a value of")

    def extract(self, task: GroupTask) -> GroupOutput:
        word, key = self.options.word, self.options.target_field
        found = []
        if key in {f.key for f in task.fields}:
            for passage in task.passages:
                for sentence in re.split(r"(?<=[.!?])\s+", passage.text):
                    if word in sentence:
                        found.append(Candidate(field=key, value=word, quote=sentence))
        return GroupOutput(candidates=found)

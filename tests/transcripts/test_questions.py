"""Open versus closed questions."""

import pytest

from alliance.transcripts.questions import is_open_question


@pytest.mark.parametrize(
    "text",
    [
        "What brings you here today?",
        "So, how do you feel about that?",
        "Okay. Tell me more about your drinking.",
        "Why might you want to make this change?",
        "Do you smoke? What do you like about it?",
        "Mm-hmm. And what else?",
    ],
)
def test_open(text):
    assert is_open_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "Do you smoke?",
        "Is it okay if we talk about your weight?",
        "How many drinks do you have a week?",
        "Have you tried the patch before?",
        "Would you be willing to come back next week?",
    ],
)
def test_closed(text):
    assert not is_open_question(text)

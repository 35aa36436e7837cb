"""The transcript pages in the permission matrix of `tests/web/test_url_matrix.py`."""

from tests.web_transcripts import samples

CLASSES = {
    # whoever may see the session; the words only where can_read_clinical_text holds
    "read": samples.READ,
    # the treating practitioner only (GET shows the form or the confirmation)
    "write": samples.WRITE,
    # confirm/dismiss a candidate, withdraw consent: the treating practitioner, by POST only
    "post_only": samples.POST_ONLY,
}


def url_arguments(world, kind) -> dict:
    """`transcript_id` of a transcript on the own, colleague's or foreign session (made once)."""
    extras = world.extras[kind]
    if "transcript" not in extras:
        session = {
            "own": world.session,
            "colleague": world.colleague_session,
            "foreign": world.foreign_session,
        }[kind]
        extras["transcript"] = samples.add_transcript(
            session, samples.secret_transcript(samples.SECRET_TURN[kind])
        )
    return {"transcript_id": extras["transcript"].public_id}

"""Which voice speaks: listing the installed voices and resolving a setting ("en-gb", a name) to one."""

from __future__ import annotations

from voiceguide.adapters.synthesis import VoiceInfo


class UnknownVoice(ValueError):
    """The requested voice is not installed; the message names it and says how to list voices."""


def list_voices(language: str | None = None) -> list[VoiceInfo]:
    """Installed voices, those of `language` only if given ("en" also matches "en-us", "en-gb"...).

    Creates a pyttsx3 engine on the calling thread: for `voiceguide voices`, not while a speaker runs.
    """
    from voiceguide.adapters.any_voice import AnyVoiceSynthesizer

    synthesizer = AnyVoiceSynthesizer()
    try:
        voices = synthesizer.voices()
    finally:
        synthesizer.close()
    if language is None:
        return voices
    return [voice for voice in voices if _speaks(voice, language)]


def _speaks(voice: VoiceInfo, language: str) -> bool:
    wanted = language.lower()
    return any(
        code.lower() == wanted or code.lower().startswith(wanted + "-") for code in voice.languages
    ) or (voice.short_id.lower() == wanted)


def resolve_voice(wanted: str | None, language: str, voices: list[VoiceInfo]) -> VoiceInfo:
    """The voice a setting names (id, short id, name or language code), or the language's own voice.

    For a language, the voice whose short id is the language code wins (espeak-ng's "en" is its
    reference English), then one that lists the language exactly, then a regional variant.
    """
    if wanted is not None:
        key = wanted.strip().lower()
        for matches in (
            lambda v: v.id.lower() == key,
            lambda v: v.short_id.lower() == key,
            lambda v: v.name.lower() == key,
            lambda v: key in (code.lower() for code in v.languages),
        ):
            found = [voice for voice in voices if matches(voice)]
            if found:
                return found[0]
        raise UnknownVoice(
            f"There is no voice called {wanted!r}; 'voiceguide voices' lists the installed ones."
        )
    key = language.lower()
    for matches in (
        lambda v: v.short_id.lower() == key,
        lambda v: key in (code.lower() for code in v.languages),
        lambda v: _speaks(v, key),
    ):
        found = [voice for voice in voices if matches(voice)]
        if found:
            return found[0]
    raise UnknownVoice(
        f"No installed voice speaks {language!r}; 'voiceguide voices' lists the installed ones."
    )

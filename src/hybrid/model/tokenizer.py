"""A character-level tokenizer built from training text, saved as a ``PreTrainedTokenizerFast``.

Tiny models trained from scratch on this 2-core CPU have no pretrained vocabulary to lean on; one
token per character keeps the vocabulary to the few dozen symbols the puzzles use, and saving it
as a standard fast tokenizer means ``AutoTokenizer.from_pretrained(dir)`` loads it like any other.
"""

from __future__ import annotations

__all__ = ["SPECIAL_TOKENS", "build_char_tokenizer"]

SPECIAL_TOKENS = ("<pad>", "<s>", "</s>", "<unk>")


def build_char_tokenizer(texts):
    """A ``PreTrainedTokenizerFast`` with one token per distinct character of ``texts``.

    Characters are sorted so that the same texts always give the same ids.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = sorted({c for t in texts for c in t})
    vocab = {tok: i for i, tok in enumerate(SPECIAL_TOKENS)}
    for c in chars:
        vocab.setdefault(c, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    # Every character, whitespace included, is its own piece.
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("(?m)."), behavior="isolated")
    tok.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", bos_token="<s>", eos_token="</s>",
                                   unk_token="<unk>")

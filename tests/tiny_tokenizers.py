"""A byte-level BPE tokenizer trained here on a few texts (any text encodes, nothing is
downloaded): the tokenizer of the tiny Llama in tiny_models.py and of the BART-sized model of
bench/generation_speed.py (which puts tests/ on its path). No pytest import, for that reason."""

from __future__ import annotations


def byte_level_bpe(texts: list[str], vocab_size: int, special_tokens: list[str], model_max_length: int, framed=False):
    """A PreTrainedTokenizerFast with <s>, </s>, <pad> and <unk> (ids in `special_tokens`' order);
    `framed`: every text is encoded as <s> ... </s>, as BART's tokenizer does."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=special_tokens,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(texts, trainer)
    if framed:
        ends = [(token, special_tokens.index(token)) for token in ("<s>", "</s>")]
        bpe.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=ends)
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        model_max_length=model_max_length,
    )

"""A tokenizer that reads the text the way the crisis lexicon does.

Tokens are the lexicon normaliser's words (``z3lfm00rd`` -> ``zelfmord``, ``💊`` ->
``pilen``, ``kwil`` -> ``ik wil``), so the classifier sees the same spelling variants
as one word. The tokens do not map back to character offsets in the raw text; every
token spans the whole message. That is fine here: the pipeline extracts no entities,
and RegexFeaturizer then marks a pattern found anywhere as found for the message.
"""

from __future__ import annotations

# Rasa's graph validation reads these signatures: keep its typing spelling.
# ruff: noqa: UP006, UP035, UP019
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.lexicon import load
from nlu.lexicon.normalise import CLAUSE


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class NormalisingTokenizer(WhitespaceTokenizer):
    """Whitespace tokenizer over the crisis lexicon's normalised text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**WhitespaceTokenizer.get_default_config(), "lexicon_dir": None}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._normaliser = load(config.get("lexicon_dir")).normaliser

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NormalisingTokenizer:
        return cls(config)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        load(config.get("lexicon_dir"))  # raises LexiconError naming every problem

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        if attribute != TEXT:
            return super().tokenize(message, attribute)
        text = message.get(attribute) or ""
        words = [w for w in self._normaliser.tokens(text) if w != CLAUSE]
        if not words:
            return super().tokenize(message, attribute)
        tokens = [Token(word, 0, end=len(text)) for word in words]
        return self._apply_token_pattern(tokens)

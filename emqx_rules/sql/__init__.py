"""An offline evaluator of EMQX rule SQL, faithful to EMQX 5.8/6.x (see rule.py)."""
from .errors import (BadArg, NotRepresentable, RuleError, RuleRuntimeError, RuleSyntaxError,
                     UnsupportedFunction)
from .rule import CompiledRule, compile_rule, evaluate
from .values import UNDEFINED

__all__ = ["BadArg", "CompiledRule", "NotRepresentable", "RuleError", "RuleRuntimeError",
           "RuleSyntaxError", "UNDEFINED", "UnsupportedFunction", "compile_rule", "evaluate"]

"""EMQX rules as code. The offline evaluator's API is re-exported here:
`evaluate(sql, context)`, `compile_rule(sql)`, `RuleError` and its subclasses."""
from .sql import (UNDEFINED, CompiledRule, NotRepresentable, RuleError, RuleRuntimeError,
                  RuleSyntaxError, UnsupportedFunction, compile_rule, evaluate)

__all__ = ["UNDEFINED", "CompiledRule", "NotRepresentable", "RuleError", "RuleRuntimeError",
           "RuleSyntaxError", "UnsupportedFunction", "compile_rule", "evaluate"]

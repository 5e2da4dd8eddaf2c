"""The evaluator's exception tree.

    RuleError                  anything the evaluator refuses or EMQX's rule would fail on
    ├── RuleSyntaxError        SQL that EMQX rejects when the rule is created (lex/parse/FROM)
    ├── RuleRuntimeError       the message on which EMQX's rule raises: it counts
    │                          `failed.exception` and runs no action
    ├── UnsupportedFunction    a function EMQX has but this evaluator does not implement;
    │                          raised at compile time so a test can never pass by accident
    └── NotRepresentable       a value EMQX would hold but we cannot reproduce faithfully
                               (a non-UTF-8 binary reaching text functions or the output)

Why two failure kinds for functions: a name EMQX does not know is a *runtime* failure in EMQX
(the rule is accepted and fails per message), so it is a RuleRuntimeError raised when called;
a name EMQX knows but we cannot reproduce offline is our limitation, said loudly up front.
"""


class RuleError(Exception):
    """Base class of every error the evaluator raises."""


class RuleSyntaxError(RuleError):
    """EMQX would reject this SQL when the rule is created."""


class RuleRuntimeError(RuleError):
    """EMQX's rule raises on this message, so it emits nothing."""


class UnsupportedFunction(RuleError):
    """The SQL calls an EMQX function this evaluator does not implement."""

    def __init__(self, name, detail=""):
        self.name = name
        msg = f"EMQX rule function {name!r} is not supported by the offline evaluator"
        super().__init__(f"{msg}: {detail}" if detail else msg)


class NotRepresentable(RuleError):
    """EMQX would carry on with a value (e.g. a non-UTF-8 binary) that the evaluator cannot
    reproduce exactly at this point; we stop rather than guess."""


class BadArg(RuleRuntimeError):
    """A built-in got arguments EMQX's clause guards reject (`bad_sql_function_argument`)."""

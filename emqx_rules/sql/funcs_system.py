"""Functions that read the node: getenv/1 (only EMQXVAR_-prefixed variables), random/0,
uuid_v4/0 and uuid_v4_no_hyphen/0. Their values are not reproducible, only their shape."""
import os
import random as _random
import uuid

from .errors import BadArg
from .registry import sql_function
from .values import UNDEFINED


@sql_function("getenv", 1)
def getenv(name):
    if type(name) is not str:
        raise BadArg("getenv needs a string")
    return os.environ.get("EMQXVAR_" + name, UNDEFINED)


@sql_function("random", 0)
def random():
    return _random.random()


@sql_function("uuid_v4", 0)
def uuid_v4():
    return str(uuid.uuid4())


@sql_function("uuid_v4_no_hyphen", 0)
def uuid_v4_no_hyphen():
    return uuid.uuid4().hex

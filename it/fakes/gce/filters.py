"""The list filter of Compute Engine: AIP-160 comparisons, or the older regular-expression form.

AIP-160: `field OP value` with OP one of = != > < <= >= :, `field:*` (key defined), expressions in
parentheses joined by AND, OR or juxtaposition (AND); OR binds tighter than AND, as AIP-160 says.
Regular expressions: `field eq literal`, `field ne 'literal'`, or several in parentheses; the
literal must match the whole field. The two forms cannot be mixed, as in the API.
See the `filter` parameter of any list method in the discovery document.
"""

import re

from errors import invalid

_TOKEN = re.compile(r"""\s*(?:(\()|(\))|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(!=|>=|<=|=|>|<|:)|([^\s()=!<>:"']+))""")


def _unquote(s):
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        return re.sub(r"\\(.)", r"\1", s[1:-1])
    return s


def _field(resource, path):
    value = resource
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Filter:
    def __init__(self, text):
        self.text = text
        self.tokens = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise invalid(f"Invalid value for field 'filter': '{self.text}'.")
            pos = m.end()
            if m.group(1):
                self.tokens.append(("(", "("))
            elif m.group(2):
                self.tokens.append((")", ")"))
            elif m.group(3):
                self.tokens.append(("value", _unquote(m.group(3))))
            elif m.group(4):
                self.tokens.append(("op", m.group(4)))
            else:
                word = m.group(5)
                if word in ("AND", "OR"):
                    self.tokens.append((word, word))
                elif word in ("eq", "ne"):
                    self.tokens.append(("regex", word))
                else:
                    self.tokens.append(("word", word))
        kinds = {k for k, _ in self.tokens}
        if "regex" in kinds and "op" in kinds:
            raise invalid(f"Invalid value for field 'filter': '{self.text}'. Regular expressions "
                          "and AIP-160 comparisons cannot be mixed.")
        self.pos = 0
        self.tree = self._and() if self.tokens else None
        if self.pos != len(self.tokens):
            raise invalid(f"Invalid value for field 'filter': '{self.text}'.")

    def _peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def _and(self):
        terms = [self._or()]
        while True:
            kind, _ = self._peek()
            if kind == "AND":
                self.pos += 1
            elif kind not in ("(", "word"):
                break
            terms.append(self._or())
        return ("and", terms)

    def _or(self):
        terms = [self._primary()]
        while self._peek()[0] == "OR":
            self.pos += 1
            terms.append(self._primary())
        return ("or", terms)

    def _primary(self):
        kind, value = self._peek()
        if kind == "(":
            self.pos += 1
            inner = self._and()
            if self._peek()[0] != ")":
                raise invalid(f"Invalid value for field 'filter': '{self.text}' (unbalanced).")
            self.pos += 1
            return inner
        if kind != "word":
            raise invalid(f"Invalid value for field 'filter': '{self.text}'.")
        self.pos += 1
        field = value
        op_kind, op = self._peek()
        if op_kind not in ("op", "regex"):
            raise invalid(f"Invalid value for field 'filter': '{self.text}' (no operator after "
                          f"'{field}').")
        self.pos += 1
        if op_kind == "regex":
            # The literal runs to the closing parenthesis or the end, spaces included.
            parts = []
            while self._peek()[0] in ("word", "value"):
                parts.append(self._peek()[1])
                self.pos += 1
            if not parts:
                raise invalid(f"Invalid value for field 'filter': '{self.text}'.")
            return ("regex", field, op, " ".join(parts))
        vkind, literal = self._peek()
        if vkind not in ("word", "value"):
            raise invalid(f"Invalid value for field 'filter': '{self.text}' (no value after "
                          f"'{field} {op}').")
        self.pos += 1
        return ("cmp", field, op, literal)

    def matches(self, resource):
        return self._eval(self.tree, resource) if self.tree else True

    def _eval(self, node, r):
        kind = node[0]
        if kind == "and":
            return all(self._eval(n, r) for n in node[1])
        if kind == "or":
            return any(self._eval(n, r) for n in node[1])
        _, field, op, literal = node
        value = _field(r, field)
        if kind == "regex":
            hit = value is not None and re.fullmatch(literal, _text(value)) is not None
            return hit if op == "eq" else not hit
        if op == ":":
            if literal == "*":
                return value is not None
            if value is None:
                return False
            if isinstance(value, list):
                return any(literal in _text(v) for v in value)
            return literal in _text(value)
        if value is None:
            return op == "!="
        a, b = _text(value), literal
        try:
            a, b = float(a), float(b)
        except ValueError:
            pass
        return {"=": a == b, "!=": a != b, ">": a > b, "<": a < b, ">=": a >= b,
                "<=": a <= b}[op]

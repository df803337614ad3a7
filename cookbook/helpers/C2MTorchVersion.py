class C2MTorchVersion(str):
    """torch.__version__ in the port: the version translated from, a str that compares as a version, as torch's
    TorchVersion does (`torch.__version__ >= "2.4.0"`, against a string or a tuple of numbers)."""

    @staticmethod
    def _key(v):
        if isinstance(v, tuple):
            parts = list(v)
        else:
            parts = []
            for piece in str(v).split("+")[0].split("."):
                digits = ""
                for ch in piece:
                    if not ch.isdigit():
                        break
                    digits += ch
                parts.append(int(digits or 0))
        while parts and parts[-1] == 0:
            parts.pop()
        return tuple(parts)

    def __lt__(self, other):
        return self._key(self) < self._key(other)

    def __le__(self, other):
        return self._key(self) <= self._key(other)

    def __gt__(self, other):
        return self._key(self) > self._key(other)

    def __ge__(self, other):
        return self._key(self) >= self._key(other)

    def __eq__(self, other):
        return self._key(self) == self._key(other)

    def __ne__(self, other):
        return not self == other

    __hash__ = str.__hash__


C2M_TORCH_VERSION_VALUE = C2MTorchVersion(C2M_TORCH_VERSION)

def _c2m_child(node, key):
    """node[key] in a tree of dicts and lists, or None where there is none."""
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and key < len(node):
        return node[key]
    return None


class C2MModuleMixin:
    """torch's Module behaviours that MLX's Module (a dict holding the children) lacks, for a module class that
    also derives from classes written in Python (transformers' PreTrainedModel mixes in DistributedMixin, ...):

    - an attribute such a class defines at class level, assigned plain data on an instance (`self._tp_plan = {...}`
      over `_tp_plan = None`), is the instance's, as in torch: MLX's Module would store a dict, list or tuple as a
      child, which the class attribute then hides (and it fails deleting the class attribute from the instance);
      a container holding arrays or modules stays a child too (the parameter tree), as MLX's Module keeps it;
    - hashing and equality are the object's identity, as torch's Module's: a module can be a dict key or in a set
      (MLX's Module, a dict, is unhashable and equal to any module with equal children);
    - a parameter tied to another (`self.lm_head.weight = self.embed.weight`, transformers' tie_weights) is one
      array, as in torch: parameters() lists it once, under its first path (torch's `parameters()` keeps the first
      of the names sharing a tensor), update() and load_weights() keep every path on the one array (MLX's update
      would give each path its own), and a checkpoint may name the array under any of its paths."""

    def __setattr__(self, key, val):
        owner = next((klass for klass in type(self).__mro__ if key in klass.__dict__), None)
        if owner is None or hasattr(owner.__dict__[key], "__set__") or not isinstance(val, (dict, list, tuple)):
            return super().__setattr__(key, val)

        def holds_parameters(v):
            if isinstance(v, (mx.array, nn.Module)):
                return True
            if isinstance(v, dict):
                return any(holds_parameters(x) for x in v.values())
            if isinstance(v, (list, tuple)):
                return any(holds_parameters(x) for x in v)
            return False

        if holds_parameters(val):
            # a child, as MLX's Module keeps it (its own __setattr__ would try to delete the class's attribute),
            # and the instance's attribute, which reads find before the class's (the same container object)
            self[key] = val
            object.__setattr__(self, key, val)
        else:
            self.pop(key, None)
            object.__setattr__(self, key, val)

    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def _c2m_tied_groups(self):
        """The paths (tuples of keys) at which one array sits more than once in the module tree, in tree order."""
        paths_of = {}

        def walk(node, path):
            items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
            for key, value in items:
                if isinstance(key, str) and key.startswith("_"):
                    continue
                if isinstance(value, mx.array):
                    paths_of.setdefault(id(value), []).append(path + (key,))
                elif isinstance(value, (dict, list)):
                    walk(value, path + (key,))

        walk(self, ())
        return [paths for paths in paths_of.values() if len(paths) > 1]

    def _c2m_untie(self, tree):
        """tree (parameters() or trainable_parameters()) without the second and later paths of a tied array."""
        for paths in self._c2m_tied_groups():
            for path in paths[1:]:
                node = tree
                for key in path[:-1]:
                    node = _c2m_child(node, key)
                if isinstance(node, dict):
                    node.pop(path[-1], None)
                elif isinstance(node, list) and path[-1] < len(node):
                    node[path[-1]] = {}
        return tree

    def parameters(self):
        return self._c2m_untie(super().parameters())

    def trainable_parameters(self):
        return self._c2m_untie(super().trainable_parameters())

    def update(self, parameters, strict=True):
        groups = self._c2m_tied_groups()
        super().update(parameters, strict)

        def given(path):
            node = parameters
            for key in path:
                node = _c2m_child(node, key)
            return node if isinstance(node, mx.array) else None

        for paths in groups:
            value = next((v for v in map(given, paths) if v is not None), None)
            if value is None:
                continue
            for path in paths:
                node = self
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = value
        return self

    def load_weights(self, file_or_weights, strict=True):
        weights = list(mx.load(file_or_weights).items()) if isinstance(file_or_weights, str) else list(file_or_weights)
        names = dict(weights)
        primary_of = {}
        for paths in self._c2m_tied_groups():
            dotted = [".".join(map(str, path)) for path in paths]
            for alias in dotted[1:]:
                primary_of[alias] = dotted[0]
        kept = []
        for name, value in weights:
            primary = primary_of.get(name)
            if primary is None:
                kept.append((name, value))
            elif primary not in names:
                kept.append((primary, value))
            elif not mx.array_equal(names[primary], value).item():
                raise ValueError(f"{name} and {primary} are one tied parameter in this model, but the weights give them different values")
        return super().load_weights(kept, strict)


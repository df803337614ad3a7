class C2MModuleMixin:
    """torch's Module behaviours that MLX's Module (a dict holding the children) lacks, for a module class that
    also derives from classes written in Python (transformers' PreTrainedModel mixes in DistributedMixin, ...):

    - an attribute such a class defines at class level, assigned plain data on an instance (`self._tp_plan = {...}`
      over `_tp_plan = None`), is the instance's, as in torch: MLX's Module would store a dict, list or tuple as a
      child, which the class attribute then hides (and it fails deleting the class attribute from the instance);
      a container holding arrays or modules stays a child too (the parameter tree), as MLX's Module keeps it;
    - hashing and equality are the object's identity, as torch's Module's: a module can be a dict key or in a set
      (MLX's Module, a dict, is unhashable and equal to any module with equal children)."""

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

class C2MAutogradFunction:
    """torch.autograd.Function in the port: `Fn.apply(*args)` runs the class's forward with a context that keeps
    what forward saves (ctx.save_for_backward(x), ctx.scale = ...). The custom backward is not wired in: MLX
    differentiates the operations forward runs, which gives the gradient a correct backward computes."""

    class Context:
        needs_input_grad = ()

        def save_for_backward(self, *tensors):
            self.saved_tensors = tensors

        def mark_dirty(self, *tensors):
            pass

        def mark_non_differentiable(self, *tensors):
            pass

        def set_materialize_grads(self, value):
            pass

    @classmethod
    def apply(cls, *args, **kwargs):
        return cls.forward(cls.Context(), *args, **kwargs)

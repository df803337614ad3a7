def einops_einsum(*tensors_and_pattern):
    """einops.einsum(a, b, ..., pattern): einops names its axes with words; mx.einsum takes one letter each."""
    *tensors, pattern = tensors_and_pattern
    letters = {}

    def side(text):
        return "".join("..." if name == "..." else letters.setdefault(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[len(letters)]) for name in text.split())

    inputs, output = pattern.split("->")
    return mx.einsum(",".join(side(s) for s in inputs.split(",")) + "->" + side(output), *tensors)

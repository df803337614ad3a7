def ops_nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """torch F.nll_loss: -input[target] with classes on axis 1 (axis 0 for one sample), per-class
    `weight`, `ignore_index`, weighted mean."""
    axis = 0 if input.ndim == 1 else 1
    class_weight = mx.ones((input.shape[axis],), dtype=input.dtype) if weight is None else weight
    valid = target != ignore_index
    safe_target = mx.where(valid, target, 0)
    target_weight = mx.take(class_weight, safe_target) * valid
    picked = mx.take_along_axis(input, mx.expand_dims(safe_target, axis), axis=axis).squeeze(axis)
    loss = -picked * target_weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return mx.sum(loss)
    return mx.sum(loss) / mx.sum(target_weight)
